using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace QrLoginPortal.Accounts;

public static class AccountsExtensions
{
    /// <summary>Registration form posts, per client address (on the /Account/Register page).</summary>
    public const string RegistrationRateLimitPolicy = "registration";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountOptions>()
            .BindConfiguration(AccountOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<AccountSeeder>();
        builder.Services.AddSingleton<QrLoginPortal.QrLogin.IApproverRoles, ApproverRoles>();
        builder.Services.AddRateLimiter(options => options.AddPolicy(RegistrationRateLimitPolicy, context =>
        {
            // Showing the page costs nothing; each post may create an account and send a mail.
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                return RateLimitPartition.GetNoLimiter("page");
            }

            var perHour = context.RequestServices.GetRequiredService<IOptions<AccountOptions>>().Value.RegistrationPostsPerHourPerIp;
            return RateLimitPartition.GetFixedWindowLimiter(context.ClientIp() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perHour, Window = TimeSpan.FromHours(1), QueueLimit = 0 });
        }));
        return builder;
    }

    /// <summary>Makes sure the Admin role and the first admin (and in Development the demo user) exist; after the database is ready.</summary>
    public static async Task SeedAccountsAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountSeeder>().SeedAsync();
    }
}
