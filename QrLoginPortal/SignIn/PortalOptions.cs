using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.SignIn;

/// <summary>
/// Where the portal is reached, from the configuration section "Portal" (its accounts part is
/// <see cref="Accounts.AccountOptions"/>, same section).
/// </summary>
public sealed class PortalOptions : IValidatableObject
{
    public const string Section = "Portal";

    /// <summary>
    /// The origin a phone uses to reach this portal (e.g. https://portal.example.com or
    /// http://192.168.1.20:5126). Empty: the origin of the browser's own request.
    /// </summary>
    public string? PublicOrigin { get; set; }

    /// <summary>Addresses of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed. Empty: none.</summary>
    public string[] KnownProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(PublicOrigin)
            && (!Uri.TryCreate(PublicOrigin, UriKind.Absolute, out var origin)
                || origin.Scheme is not ("https" or "http")
                || origin.AbsolutePath != "/" || !string.IsNullOrEmpty(origin.Query)))
        {
            yield return new ValidationResult(
                $"Portal:PublicOrigin must be an http(s) origin such as https://portal.example.com (got '{PublicOrigin}').",
                [nameof(PublicOrigin)]);
        }

        foreach (var error in ValidateProxies())
        {
            yield return error;
        }
    }

    private IEnumerable<ValidationResult> ValidateProxies() =>
        KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _))
            .Select(p => new ValidationResult($"Portal:KnownProxies must list IP addresses (got '{p}').", [nameof(KnownProxies)]));
}
