using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Data;

/// <summary>Section "Portal" of the configuration: where the portal is reached and who its first users are.</summary>
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

    public AccountSeed Admin { get; set; } = new() { Email = "admin@qrlogin.local" };

    /// <summary>Whether anyone may create an account at /Account/Register. Closed: administrators create users.</summary>
    public RegistrationMode Registration { get; set; } = RegistrationMode.Closed;

    /// <summary>Registration form posts one client address may make per hour (429 beyond).</summary>
    [Range(1, 10_000)]
    public int RegistrationPostsPerHourPerIp { get; set; } = 10;

    /// <summary>The one place that says whether self-registration is possible (pages, links, the form post).</summary>
    public bool RegistrationIsOpen => Registration == RegistrationMode.Open;

    /// <summary>The demo account created in Development so a phone can sign in at once.</summary>
    public AccountSeed DemoUser { get; set; } = new() { Email = "demo@qrlogin.local", Password = "Demo-Passw0rd!" };

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

    public sealed class AccountSeed
    {
        public string? Email { get; set; }
        public string? Password { get; set; }
    }
}

/// <summary>Portal:Registration.</summary>
public enum RegistrationMode
{
    /// <summary>No self-registration (the default): administrators create users and send a password link.</summary>
    Closed,

    /// <summary>Anyone may register; the account is confirmed by a link mailed to its address.</summary>
    Open,
}
