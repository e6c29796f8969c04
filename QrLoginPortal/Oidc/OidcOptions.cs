using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Oidc;

/// <summary>Section "Oidc": the applications that sign people in through the portal, provisioned at start.</summary>
public sealed class OidcOptions : IValidatableObject
{
    public const string Section = "Oidc";

    /// <summary>The shortest client secret accepted, as for the API's clients.</summary>
    public const int MinSecretLength = 16;

    public List<ConfiguredApplication> Applications { get; set; } = [];

    /// <summary>
    /// Code, refresh-token and userinfo requests per address and minute (see <see cref="OidcRequestLimit"/>). They come
    /// from an application's server, one address for all its users, so the budget is larger than a browser's.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ApplicationRequestsPerMinutePerIp { get; set; } = 600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Applications.Count; i++)
        {
            var application = Applications[i];
            var prefix = $"{Section}:Applications:{i}";
            if (string.IsNullOrWhiteSpace(application.ClientId))
            {
                yield return new ValidationResult($"{prefix}:ClientId is required.");
            }

            if (application.ClientSecret is { } secret && secret.Length < MinSecretLength)
            {
                yield return new ValidationResult($"{prefix}:ClientSecret must have at least {MinSecretLength} characters (or leave it out for a public client, PKCE only).");
            }

            if (application.RedirectUris.Count == 0)
            {
                yield return new ValidationResult($"{prefix}:RedirectUris needs at least one address.");
            }

            foreach (var (uris, name) in new[] { (application.RedirectUris, nameof(application.RedirectUris)), (application.PostLogoutRedirectUris, nameof(application.PostLogoutRedirectUris)) })
            {
                foreach (var uri in uris.Where(u => OidcApplications.RedirectUriProblem(u) is not null))
                {
                    yield return new ValidationResult($"{prefix}:{name} '{uri}': {OidcApplications.RedirectUriProblem(uri)}");
                }
            }

            if (application.ConsentType is not (OidcConsent.Implicit or OidcConsent.Explicit))
            {
                yield return new ValidationResult($"{prefix}:ConsentType must be '{OidcConsent.Implicit}' (no consent page, a first-party application) or '{OidcConsent.Explicit}' (each person allows it once).");
            }

            if (application.LogoUri is { } logo && OidcApplications.LogoUriProblem(logo) is { } logoProblem)
            {
                yield return new ValidationResult($"{prefix}:LogoUri '{logo}': {logoProblem}");
            }

            foreach (var scope in application.Scopes.Where(s => !OidcApplications.Scopes.Contains(s)))
            {
                yield return new ValidationResult($"{prefix}:Scopes has an unknown scope '{scope}' (known: {string.Join(", ", OidcApplications.Scopes)}).");
            }
        }
    }

    public sealed class ConfiguredApplication
    {
        public string ClientId { get; set; } = "";

        /// <summary>Set: a confidential client (secret and PKCE). Unset: a public client (PKCE only).</summary>
        public string? ClientSecret { get; set; }

        public string? DisplayName { get; set; }
        public List<string> RedirectUris { get; set; } = [];
        public List<string> PostLogoutRedirectUris { get; set; } = [];

        /// <summary>Shown on the consent page and the account page's list of applications; https only.</summary>
        public string? LogoUri { get; set; }

        /// <summary>Implicit: a first-party application, no consent page. Explicit: each person allows it once per set of scopes.</summary>
        public string ConsentType { get; set; } = OidcConsent.Implicit;

        /// <summary>The scopes it may ask for besides openid; all of them when empty.</summary>
        public List<string> Scopes { get; set; } = [];
    }
}

public static class OidcConsent
{
    public const string Implicit = "Implicit";
    public const string Explicit = "Explicit";
}
