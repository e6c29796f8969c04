using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Components.Account;

public static class IdentityServiceExtensions
{
    /// <summary>The session cookie's name outside Development (plain-http Development keeps Identity's default name).</summary>
    public const string ProductionCookieName = "__Host-Identity";

    /// <summary>ASP.NET Core Identity as the Blazor template sets it up, with roles and hardened cookies.</summary>
    public static IHostApplicationBuilder AddPortalIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/login";
            options.AccessDeniedPath = "/Account/AccessDenied";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            // Plain http is tolerated only in Development (a phone on the LAN); anywhere else the
            // session cookie never travels unencrypted.
            options.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            if (!builder.Environment.IsDevelopment())
            {
                // __Host-: the browser takes it only over https, for this host alone and path /, so a
                // sibling subdomain cannot plant or overwrite the session cookie.
                options.Cookie.Name = ProductionCookieName;
                options.Cookie.Path = "/";
            }
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromDays(14);
        });

        // Every cookie (antiforgery included) is Secure outside Development. Through the cookie policy
        // rather than antiforgery's own SecurePolicy, which refuses plain-http requests with an
        // exception, and behind a TLS-terminating proxy every request looks like plain http.
        if (!builder.Environment.IsDevelopment())
        {
            services.Configure<CookiePolicyOptions>(options => options.Secure = CookieSecurePolicy.Always);
        }

        // Roles and locks reach existing cookies within a minute, not the default 30.
        services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        // Identity compares a passkey's origin with the request's Origin header, but our Referrer-Policy
        // (no-referrer) makes browsers send "Origin: null" with a form post: every passkey ceremony would
        // fail. The origin the authenticator signed must instead be this portal's own (or its public origin).
        services.AddOptions<IdentityPasskeyOptions>().Configure<IOptions<PortalOptions>>((options, portal) =>
            options.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin && context.TopOrigin is null
                && PublicOrigin.IsPortalOrigin(context.Origin, context.HttpContext.Request, portal.Value.PublicOrigin)));

        return builder;
    }
}
