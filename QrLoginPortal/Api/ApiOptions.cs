using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Api;

/// <summary>Section "Api": API clients and registration profiles provisioned at start (automated deployments).</summary>
public sealed class ApiOptions : IValidatableObject
{
    public const string Section = "Api";

    public List<ConfiguredClient> Clients { get; set; } = [];

    /// <summary>Names of registration profiles to create if missing (the default profile always exists).</summary>
    public List<string> Profiles { get; set; } = [];

    /// <summary>Where calling applications send a user after a module-chain Success (settings.redirectUrl): absolute, or a path of this portal.</summary>
    public string? RedirectUrl { get; set; }

    /// <summary>Wrong client secrets one address may send to the token endpoint per 15 minutes, whatever the clients.</summary>
    [Range(1, 100_000)]
    public int FailedClientSecretsPerIp { get; set; } = 10;

    /// <summary>Wrong secrets for one client per 15 minutes from all addresses; past it, addresses that failed at it wait (the client itself does not).</summary>
    [Range(1, 1_000_000)]
    public int FailedClientSecretsPerClient { get; set; } = 20;

    /// <summary>Wrong secrets (a dsi or nonce that matches no code) one API caller may send from one address per 15 minutes.</summary>
    [Range(1, 100_000)]
    public int FailedSecretGuessesPerCaller { get; set; } = 30;

    public string SuccessRedirectUrl(string origin) =>
        string.IsNullOrWhiteSpace(RedirectUrl) ? origin + "/" : RedirectUrl.StartsWith('/') ? origin + RedirectUrl : RedirectUrl;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(RedirectUrl)
            && !(RedirectUrl.StartsWith('/') && !RedirectUrl.StartsWith("//", StringComparison.Ordinal))
            && !(Uri.TryCreate(RedirectUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
        {
            yield return new ValidationResult("Api:RedirectUrl must be an absolute http(s) URL or a path starting with '/'.");
        }

        for (var i = 0; i < Clients.Count; i++)
        {
            var client = Clients[i];
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                yield return new ValidationResult($"Api:Clients:{i}:ClientId is required.");
            }

            if (string.IsNullOrEmpty(client.ClientSecret) || client.ClientSecret.Length < 16)
            {
                yield return new ValidationResult($"Api:Clients:{i}:ClientSecret must have at least 16 characters.");
            }

            foreach (var entitlement in client.Entitlements.Where(e => !ApiEntitlements.Descriptions.ContainsKey(e)))
            {
                yield return new ValidationResult(
                    $"Api:Clients:{i}:Entitlements has an unknown entitlement '{entitlement}' (known: {string.Join(", ", ApiEntitlements.Descriptions.Keys)}).");
            }
        }
    }

    public sealed class ConfiguredClient
    {
        public string ClientId { get; set; } = "";
        public string? ClientSecret { get; set; }
        public string? Name { get; set; }
        public List<string> Entitlements { get; set; } = [];
    }
}
