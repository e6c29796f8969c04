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
        builder.Services.AddAttemptLimiter(BadgeService.FailureLimiter,
            p => BadgeService.LimitsOf(p.GetRequiredService<Microsoft.Extensions.Options.IOptions<BadgeOptions>>().Value));
        builder.Services.AddSingleton<BadgeService>();
        builder.Services.AddSingleton<BadgePrintJobs>();
        return builder;
    }
}
