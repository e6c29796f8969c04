namespace QrLoginPortal.Audit;

/// <summary>
/// The audit log stores stable machine codes (<see cref="AuditTypes"/>, <see cref="AuditOutcomes"/>) that
/// exports and filters rely on; people read them through this one mapping.
/// </summary>
public static class AuditWords
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [AuditTypes.QrCreate] = "QR code shown",
        [AuditTypes.QrScan] = "QR code opened on phone",
        [AuditTypes.QrApprove] = "Sign-in approved on phone",
        [AuditTypes.QrDeny] = "Sign-in denied on phone",
        [AuditTypes.QrSuspectedPhishing] = "Suspected phishing: wrong number picked on phone",
        [AuditTypes.QrCancel] = "QR code cancelled",
        [AuditTypes.QrCancelAll] = "All waiting QR codes cancelled",
        [AuditTypes.QrDelete] = "QR code removed by an app (API)",
        [AuditTypes.QrStopAll] = "QR sign-in stopped",
        [AuditTypes.QrExpire] = "QR code expired",
        [AuditTypes.QrRedeem] = "QR sign-in completed in the browser",
        [AuditTypes.QrSettingsChange] = "QR settings changed",
        [AuditTypes.QrSettingsRestore] = "QR settings restored",
        [AuditTypes.UserCreate] = "User created",
        [AuditTypes.SignIn] = "Signed in",
        [AuditTypes.SessionEnd] = "Browser signed out",
        [AuditTypes.UserLock] = "User locked",
        [AuditTypes.UserUnlock] = "User unlocked",
        [AuditTypes.UserRoleAdd] = "User added to a role",
        [AuditTypes.UserRoleRemove] = "User removed from a role",
        [AuditTypes.RoleCreate] = "Role created",
        [AuditTypes.RoleDelete] = "Role deleted",
        [AuditTypes.UserPasswordResetLink] = "Password link created",
        [AuditTypes.AdminRefused] = "Admin action refused",
        [AuditTypes.AuditExport] = "Audit log exported",
        [AuditTypes.ApiClientCreate] = "API client created",
        [AuditTypes.ApiClientRotate] = "API client secret replaced",
        [AuditTypes.ApiClientEnable] = "API client enabled",
        [AuditTypes.ApiClientDisable] = "API client disabled",
        [AuditTypes.ApiClientDelete] = "API client deleted",
        [AuditTypes.ApplicationCreate] = "Application registered",
        [AuditTypes.ApplicationChange] = "Application changed",
        [AuditTypes.ApplicationRotate] = "Application secret replaced",
        [AuditTypes.ApplicationEnable] = "Application enabled",
        [AuditTypes.ApplicationDisable] = "Application disabled",
        [AuditTypes.ConsentGive] = "Application allowed by its user",
        [AuditTypes.ConsentDeny] = "Application refused by its user",
        [AuditTypes.ConsentRevoke] = "Application's access revoked by its user",
        [AuditTypes.ProfileChange] = "Registration profile changed",
        [AuditTypes.BadgeIssue] = "Badge issued",
        [AuditTypes.BadgeVoid] = "Badge voided",
        [AuditTypes.BadgeSignIn] = "Signed in with a badge",
        [AuditTypes.BadgePolicyChange] = "Badge policy changed",
    };

    /// <summary>The event type in words; an unknown code (an older or newer version) is shown as stored.</summary>
    public static string Type(string type) => Types.TryGetValue(type, out var words) ? words : type;

    /// <summary>How it ended, in a word that fits the type: a denial that went through is "denied", not "success".</summary>
    public static string Outcome(string type, string outcome) => outcome switch
    {
        AuditOutcomes.Success => type switch
        {
            AuditTypes.QrApprove => "approved",
            AuditTypes.QrDeny or AuditTypes.QrSuspectedPhishing => "denied",
            AuditTypes.QrCancel or AuditTypes.QrCancelAll => "cancelled",
            AuditTypes.QrExpire => "expired",
            _ => "done",
        },
        AuditOutcomes.Refused => "refused",
        _ => outcome,
    };
}
