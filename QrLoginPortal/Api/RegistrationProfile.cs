using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

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

public static class RegistrationProfiles
{
    /// <summary>Whether API clients may name <paramref name="profileId"/> when they ask for a QR code.</summary>
    public static async Task<bool> IsEnabledAsync(IDbContextFactory<ApplicationDbContext> dbFactory, string profileId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RegistrationProfiles.AnyAsync(p => p.Id == profileId && p.Enabled, ct);
    }
}
