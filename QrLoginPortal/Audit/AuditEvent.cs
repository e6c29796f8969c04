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

    /// <summary>The phone picked a number the sign-in page did not show: the sign-in was denied as suspected phishing.</summary>
    public const string QrSuspectedPhishing = "qr.suspected-phishing";
    public const string QrCancel = "qr.cancel";
    public const string QrCancelAll = "qr.cancel-all";
    public const string QrDelete = "qr.delete";
    public const string QrStopAll = "qr.stop-all";
    public const string QrSettingsRestore = "qr.settings.restore";
    public const string QrExpire = "qr.expire";
    public const string QrRedeem = "qr.redeem";
    public const string QrSettingsChange = "qr.settings.change";
    public const string UserCreate = "user.create";
    public const string SignIn = "user.signin";
    public const string SessionEnd = "session.end";
    public const string UserLock = "user.lock";
    public const string UserUnlock = "user.unlock";
    public const string UserRoleAdd = "user.role.add";
    public const string UserRoleRemove = "user.role.remove";
    public const string RoleCreate = "role.create";
    public const string RoleDelete = "role.delete";
    public const string UserPasswordResetLink = "user.password-reset-link";
    public const string AdminRefused = "admin.refused";
    public const string AuditExport = "audit.export";
    public const string ApiClientCreate = "api-client.create";
    public const string ApiClientRotate = "api-client.rotate-secret";
    public const string ApiClientEnable = "api-client.enable";
    public const string ApiClientDisable = "api-client.disable";
    public const string ApiClientDelete = "api-client.delete";
    public const string ApplicationCreate = "application.create";
    public const string ApplicationChange = "application.change";
    public const string ApplicationRotate = "application.rotate-secret";
    public const string ApplicationEnable = "application.enable";
    public const string ApplicationDisable = "application.disable";
    public const string ConsentGive = "consent.give";
    public const string ConsentDeny = "consent.deny";
    public const string ConsentRevoke = "consent.revoke";
    public const string ProfileChange = "profile.change";
    public const string BadgeIssue = "badge.issue";
    public const string BadgeVoid = "badge.void";
    public const string BadgeSignIn = "badge.signin";
    public const string BadgePolicyChange = "badge.policy.change";

    /// <summary>Every type, for filters.</summary>
    public static readonly string[] All =
    [
        QrCreate, QrScan, QrApprove, QrDeny, QrSuspectedPhishing, QrCancel, QrCancelAll, QrDelete, QrStopAll, QrExpire, QrRedeem, QrSettingsChange, QrSettingsRestore,
        UserCreate, SignIn, SessionEnd, UserLock, UserUnlock, UserRoleAdd, UserRoleRemove, RoleCreate, RoleDelete, UserPasswordResetLink, AdminRefused, AuditExport,
        ApiClientCreate, ApiClientRotate, ApiClientEnable, ApiClientDisable, ApiClientDelete, ProfileChange,
        ApplicationCreate, ApplicationChange, ApplicationRotate, ApplicationEnable, ApplicationDisable, ConsentGive, ConsentDeny, ConsentRevoke,
        BadgeIssue, BadgeVoid, BadgeSignIn, BadgePolicyChange,
    ];
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Refused = "refused";
}
