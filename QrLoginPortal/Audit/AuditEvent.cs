namespace QrLoginPortal.Audit;

/// <summary>One security-relevant event: who did what to whom, from where, and how it ended. Never holds a secret.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Type { get; set; }
    public string? UserId { get; set; }
    public string? Subject { get; set; }
    public string? Ip { get; set; }
    public required string Outcome { get; set; }
    public string? Details { get; set; }
}

public static class AuditTypes
{
    public const string QrCreate = "qr.create";
    public const string QrScan = "qr.scan";
    public const string QrApprove = "qr.approve";
    public const string QrDeny = "qr.deny";
    public const string QrCancel = "qr.cancel";
    public const string QrExpire = "qr.expire";
    public const string QrRedeem = "qr.redeem";
    public const string QrSettingsChange = "qr.settings.change";
    public const string UserCreate = "user.create";
    public const string SignIn = "user.signin";
    public const string SessionEnd = "session.end";
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Refused = "refused";
}
