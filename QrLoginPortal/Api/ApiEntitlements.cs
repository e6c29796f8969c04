namespace QrLoginPortal.Api;

/// <summary>What an API client may do. Each endpoint names the one it needs; a token carries its client's.</summary>
public static class ApiEntitlements
{
    public const string ClaimType = "entitlement";

    /// <summary>OpenIddict permission prefix under which an application's entitlements are stored.</summary>
    public const string PermissionPrefix = "ent:";

    public const string ReadAuthenticatorConfig = "readAuthenticatorConfig";
    public const string AuthenticateAnyUser = "authenticateAnyUser";
    public const string ReadUsers = "readUsers";
    public const string ManageQrConfig = "manageQrConfig";
    public const string VerifyAsAuthenticator = "verifyAsAuthenticator";

    /// <summary>Every entitlement with the sentence the admin UI shows for it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [ReadAuthenticatorConfig] = "Read authenticator configuration: look up registration profiles.",
        [AuthenticateAnyUser] = "Authenticate any user: create, read and remove QR sign-in transactions.",
        [ReadUsers] = "Read users: read a user's SCIM record.",
        [ManageQrConfig] = "Manage QR configuration: read and change the lsi/dsi/expiry settings.",
        [VerifyAsAuthenticator] = "Verify as authenticator: complete a QR transaction on behalf of a user.",
    };
}
