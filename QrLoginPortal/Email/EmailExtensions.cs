using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using QrLoginPortal.Accounts;
using QrLoginPortal.Data;

namespace QrLoginPortal.Email;

public static class EmailExtensions
{
    /// <summary>The portal's mail: options (Portal:Email), the queue and its background sender, and Identity's sender on top.</summary>
    public static IHostApplicationBuilder AddPortalEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IOptions<AccountOptions>>((email, portal) => !portal.Value.RegistrationIsOpen || email.Mode != EmailMode.None,
                "Portal:Registration is Open but no mail sender is configured: set Portal:Email:Mode to Smtp (or Pickup) so confirmation links can be mailed.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MailQueue>();
        builder.Services.AddSingleton<MailTransport>();
        builder.Services.AddHostedService<MailDispatcher>();
        builder.Services.AddSingleton<IEmailSender<ApplicationUser>, PortalEmailSender>();
        return builder;
    }
}
