using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

public static class QrSignInEndpoints
{
    public const string RedeemPath = "/qr/signin";
    /// <summary>Ticket redemption, per client address.</summary>
    public const string RateLimitPolicy = "qr-signin";

    /// <summary>The phone's approval page, per client address (separate, so approvals do not eat the redemptions' budget).</summary>
    public const string ApprovalRateLimitPolicy = "qr-approval";
    public const string SectionName = SignInLimitsOptions.Section;

    /// <summary>Where a failed redemption sends the browser; the login page shows a message for it.</summary>
    public const string FailedRedirect = "/login?qr=failed";

    public static IHostApplicationBuilder AddQrSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalOptions>()
            .BindConfiguration(PortalOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<BadgeStepCookie>();
        builder.Services.AddScoped<PortalSignIn>();
        builder.Services.AddScoped<ApproverPasskeys>();
        builder.Services.AddOptions<SignInLimitsOptions>()
            .BindConfiguration(SignInLimitsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddAttemptLimiter(PasswordThrottle.Use,
            p => PasswordThrottle.LimitsOf(p.GetRequiredService<Microsoft.Extensions.Options.IOptions<SignInLimitsOptions>>().Value));
        builder.Services.AddSingleton<PasswordThrottle>();
        // Identity's failed-password lockout comes after the per-address throttle (see SignInLimitsOptions).
        builder.Services.AddOptions<IdentityOptions>().Configure<Microsoft.Extensions.Options.IOptions<SignInLimitsOptions>>((identity, limits) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = limits.Value.LockoutAfterFailedPasswords;
            identity.Lockout.DefaultLockoutTimeSpan = limits.Value.LockoutDuration;
        });
        builder.Services.AddRateLimiter(options =>
        {
            // Each endpoint family (ticket redemption, approval page, and the API's own) has its own
            // budget per client address, so traffic to one cannot use up another's.
            var permitsPerMinute = SignInLimitsOptions.RequestsPerMinutePerIpOf(builder.Configuration);
            options.AddPerAddressPolicy(RateLimitPolicy, permitsPerMinute);
            options.AddPerAddressPolicy(ApprovalRateLimitPolicy, permitsPerMinute);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapQrSignIn(this IEndpointRouteBuilder app)
    {
        // No antiforgery token: the ticket is unguessable and only redeemable together with the
        // browser-binding cookie of the browser that started the flow, which a forged cross-site
        // form cannot supply for a transaction of its own. That binding is the CSRF defence here.
        app.MapPost(RedeemPath, RedeemAsync)
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicy)
            .WithName("RedeemQrSignInTicket");
        return app;
    }

    /// <summary>Exchanges the one-time ticket (form field, never the URL) for the Identity cookie and goes to the local return URL.</summary>
    private static async Task<RedirectHttpResult> RedeemAsync(
        HttpContext context,
        QrTicketService tickets,
        SignInManager<ApplicationUser> signInManager)
    {
        // Read by hand: a malformed or empty post is just a failed sign-in, never a 400 or a 500.
        var form = await Forms.ReadAsync(context);
        if (form.Malformed)
        {
            return TypedResults.Redirect(FailedRedirect);
        }

        var ticket = form["ticket"];
        // Settled before the ticket is spent: nothing after the redemption may fail on input.
        var returnUrl = ReturnUrls.LocalOrRoot(form["returnUrl"]);

        var ip = context.ClientIp();
        var redeemed = await tickets.RedeemTicketAsync(ticket, BrowserBinding.Read(context), ip, context.RequestAborted);
        if (redeemed is null)
        {
            return TypedResults.Redirect(FailedRedirect);
        }

        var user = await signInManager.UserManager.FindByIdAsync(redeemed.UserId);
        if (user is null || !await signInManager.CanSignInNowAsync(user))
        {
            return TypedResults.Redirect(FailedRedirect);
        }

        await signInManager.SignInAsync(user, redeemed.KeepSignedIn, authenticationMethod: "qr");
        return TypedResults.Redirect(returnUrl);
    }
}
