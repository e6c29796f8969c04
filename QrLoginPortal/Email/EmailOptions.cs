using System.ComponentModel.DataAnnotations;

namespace QrLoginPortal.Email;

/// <summary>How mail leaves the portal.</summary>
public enum EmailMode
{
    /// <summary>No mail is sent (logged once at start). Self-registration cannot be opened.</summary>
    None,

    /// <summary>Through an SMTP server (MailKit).</summary>
    Smtp,

    /// <summary>Each message is written as an .eml file into <see cref="EmailOptions.PickupFolder"/> (Development, tests).</summary>
    Pickup,
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS, which must succeed (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>No TLS at all: only for a relay on the same host or network.</summary>
    None,
}

/// <summary>Section "Portal:Email".</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Portal:Email";

    public EmailMode Mode { get; set; } = EmailMode.None;

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>SMTP user name; empty: no authentication.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>QrLoginPortal &lt;no-reply@example.com&gt;</c>.</summary>
    public string From { get; set; } = "QrLoginPortal <no-reply@qrlogin.local>";

    /// <summary>Folder for <see cref="EmailMode.Pickup"/>, relative to the content root unless absolute.</summary>
    public string PickupFolder { get; set; } = "Data/mail";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == EmailMode.Smtp && string.IsNullOrWhiteSpace(Host))
        {
            yield return new ValidationResult("Portal:Email:Host is required when Portal:Email:Mode is Smtp.", [nameof(Host)]);
        }

        if (Mode == EmailMode.Pickup && string.IsNullOrWhiteSpace(PickupFolder))
        {
            yield return new ValidationResult("Portal:Email:PickupFolder is required when Portal:Email:Mode is Pickup.", [nameof(PickupFolder)]);
        }

        if (Mode != EmailMode.None && !MimeKit.MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult($"Portal:Email:From must be an address such as \"Portal <no-reply@example.com>\" (got '{From}').",
                [nameof(From)]);
        }
    }
}
