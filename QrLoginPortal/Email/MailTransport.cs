using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace QrLoginPortal.Email;

/// <summary>Hands a message to the SMTP server, or writes it into the pickup folder, as configured.</summary>
public sealed class MailTransport(IOptions<EmailOptions> options, IHostEnvironment environment, TimeProvider clock)
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var settings = options.Value;
        var mime = ToMime(message, settings.From);
        switch (settings.Mode)
        {
            case EmailMode.None:
                return;
            case EmailMode.Pickup:
                await WriteToPickupAsync(mime, settings, ct);
                return;
            case EmailMode.Smtp:
                await SendBySmtpAsync(mime, settings, ct);
                return;
            default:
                throw new InvalidOperationException($"Unknown mail mode {settings.Mode}.");
        }
    }

    /// <summary>The pickup folder as an absolute path.</summary>
    public string PickupFolder => Path.GetFullPath(options.Value.PickupFolder, environment.ContentRootPath);

    private static MimeMessage ToMime(EmailMessage message, string from)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(from));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }

    private async Task WriteToPickupAsync(MimeMessage mime, EmailOptions settings, CancellationToken ct)
    {
        var folder = PickupFolder;
        Directory.CreateDirectory(folder);
        var name = $"{clock.GetUtcNow():yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}";
        var partial = Path.Combine(folder, name + ".tmp");
        await mime.WriteToAsync(partial, ct);
        // Renamed when complete, so a reader watching for .eml files never sees half a message.
        File.Move(partial, Path.Combine(folder, name + ".eml"));
    }

    private static async Task SendBySmtpAsync(MimeMessage mime, EmailOptions settings, CancellationToken ct)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        var security = settings.Security switch
        {
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => throw new InvalidOperationException($"Unknown SMTP security {settings.Security}."),
        };
        await client.ConnectAsync(settings.Host!, settings.Port, security, ct);
        if (!string.IsNullOrEmpty(settings.User))
        {
            await client.AuthenticateAsync(settings.User, settings.Password ?? "", ct);
        }

        await client.SendAsync(mime, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
