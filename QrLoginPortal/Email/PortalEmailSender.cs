using System.Net;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;

namespace QrLoginPortal.Email;

/// <summary>
/// Identity's mails (account confirmation, password links) through the portal's mail queue, in every
/// environment. The links arrive HTML-encoded, as the template's pages pass them.
/// </summary>
public sealed class PortalEmailSender(MailQueue queue) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        Enqueue(email, "Confirm your QrLoginPortal account", "account-confirmation",
            "Please confirm your account by opening this link:", confirmationLink);

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        Enqueue(email, "Set your QrLoginPortal password", "password-link",
            "Set a new password for your account by opening this link (it works once):", resetLink);

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        Enqueue(email, "Your QrLoginPortal password reset code", "password-code",
            "Reset your password with this code:", resetCode, isLink: false);

    private Task Enqueue(string to, string subject, string kind, string lead, string encodedValue, bool isLink = true)
    {
        var plain = WebUtility.HtmlDecode(encodedValue);
        var html = isLink
            ? $"<p>{WebUtility.HtmlEncode(lead)}</p><p><a href=\"{encodedValue}\">{encodedValue}</a></p>"
            : $"<p>{WebUtility.HtmlEncode(lead)}</p><p><strong>{encodedValue}</strong></p>";
        queue.Enqueue(new EmailMessage(to, subject, $"{lead}\n\n{plain}\n", html, kind));
        return Task.CompletedTask;
    }
}
