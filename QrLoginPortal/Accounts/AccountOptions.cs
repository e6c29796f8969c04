using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Accounts;

/// <summary>
/// The accounts part of the configuration section "Portal": who the first users are and whether
/// anyone may register. (Where the portal is reached is <see cref="SignIn.PortalOptions"/>, same section.)
/// </summary>
public sealed class AccountOptions
{
    public const string Section = "Portal";

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
