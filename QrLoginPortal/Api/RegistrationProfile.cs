namespace QrLoginPortal.Api;

/// <summary>An "authenticator client" in IBM's words: the registration profile a QR transaction belongs to.</summary>
public sealed class RegistrationProfile
{
    public const string DefaultId = QrLogin.QrLoginDefaults.ProfileId;
    public const string DefaultName = "Default profile";

    public required string Id { get; init; }
    public required string Name { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
}
