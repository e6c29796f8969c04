using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

public static class BadgeExtensions
{
    /// <summary>Sign-in badges: the engine and its policy.</summary>
    public static IHostApplicationBuilder AddBadges(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BadgeOptions>()
            .BindConfiguration(BadgeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddAttemptLimiter(BadgeSignInCheck.FailureLimiter,
            p => BadgeSignInCheck.LimitsOf(p.GetRequiredService<Microsoft.Extensions.Options.IOptions<BadgeOptions>>().Value));
        builder.Services.AddSingleton<BadgePolicyStore>();
        builder.Services.AddSingleton<BadgeService>();
        builder.Services.AddSingleton<BadgeSignInCheck>();
        builder.Services.AddSingleton<BadgePrintJobs>();
        return builder;
    }
}
