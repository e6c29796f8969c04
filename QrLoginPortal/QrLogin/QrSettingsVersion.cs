namespace QrLoginPortal.QrLogin;

/// <summary>The QR settings as they were saved at one moment: the history an administrator can read and restore.</summary>
public sealed class QrSettingsVersion
{
    public long Id { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    public string? ChangedByUserId { get; set; }
    public string? ChangedBy { get; set; }
    public string? Note { get; set; }
    public required string LsiCharset { get; set; }
    public int LsiLength { get; set; }
    public required string DsiCharset { get; set; }
    public int DsiLength { get; set; }
    public int ExpirySeconds { get; set; }
    public bool Enabled { get; set; }
    public bool UserCodeEnabled { get; set; } = true;
    public bool NumberMatching { get; set; }
    public ApproverPasskeyPolicy ApproverPasskey { get; set; }

    public static QrSettingsVersion Of(QrSettings settings, DateTimeOffset at, string? userId, string? userName, string? note) => new()
    {
        ChangedAt = at,
        ChangedByUserId = userId,
        ChangedBy = userName,
        Note = note,
        LsiCharset = settings.LsiCharset,
        LsiLength = settings.LsiLength,
        DsiCharset = settings.DsiCharset,
        DsiLength = settings.DsiLength,
        ExpirySeconds = settings.ExpirySeconds,
        Enabled = settings.Enabled,
        UserCodeEnabled = settings.UserCodeEnabled,
        NumberMatching = settings.NumberMatching,
        ApproverPasskey = settings.ApproverPasskey,
    };

    public QrSettings ToSettings() => new()
    {
        LsiCharset = LsiCharset,
        LsiLength = LsiLength,
        DsiCharset = DsiCharset,
        DsiLength = DsiLength,
        ExpirySeconds = ExpirySeconds,
        Enabled = Enabled,
        UserCodeEnabled = UserCodeEnabled,
        NumberMatching = NumberMatching,
        ApproverPasskey = ApproverPasskey,
    };
}
