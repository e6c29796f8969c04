using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>
/// An application that signs its users in through the portal, built the way an ASP.NET Core team would build one:
/// a cookie and ASP.NET Core's own OpenID Connect handler (code flow, PKCE, saved tokens, userinfo). It runs on its own
/// Kestrel port as "localhost" while the portal is "127.0.0.1", so to the browser it is another site, as it would be.
/// It is registered in the portal through configuration (<see cref="PortalSettings"/>), which is why it starts first.
/// </summary>
public sealed class OidcRelyingPartySite : IAsyncDisposable
{
    public const string ClientId = "browser-rp";
    public const string ClientSecret = "browser-rp-secret-0123456789";
    public const string DisplayName = "Team wiki";
    public const string SignedOutPath = "/signed-out";

    /// <summary>The scheme name an application usually gives the handler; the portal is its only identity provider.</summary>
    private const string PortalScheme = "portal";

    private const string QueryModeScheme = "portal-query";
    private const string QueryModeCallbackPath = "/signin-oidc-query";

    /// <summary>The same signed-in page, reached through a sign-in with response_mode=query.</summary>
    public const string QueryModePath = "/query-mode";

    /// <summary>Asks the portal for a fresh sign-in (prompt=login), as an application does before a sensitive step; then its home page.</summary>
    public const string ReauthenticatePath = "/reauthenticate";

    private readonly WebApplication _app;

    private OidcRelyingPartySite(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>e.g. http://localhost:41236 (no trailing slash).</summary>
    public string Url { get; }

    /// <summary>The registration of this application in the portal, as an operator writes it in appsettings.json.</summary>
    public IReadOnlyDictionary<string, string?> PortalSettings => new Dictionary<string, string?>
    {
        ["Oidc:Applications:0:ClientId"] = ClientId,
        ["Oidc:Applications:0:ClientSecret"] = ClientSecret,
        ["Oidc:Applications:0:DisplayName"] = DisplayName,
        ["Oidc:Applications:0:RedirectUris:0"] = Url + "/signin-oidc",
        ["Oidc:Applications:0:RedirectUris:1"] = Url + QueryModeCallbackPath,
        ["Oidc:Applications:0:PostLogoutRedirectUris:0"] = Url + "/signout-callback-oidc",
        ["Oidc:Applications:0:ConsentType"] = "Implicit",
    };

    /// <summary>Starts the application; <paramref name="portalUrl"/> is read at its first sign-in, once the portal runs.</summary>
    public static async Task<OidcRelyingPartySite> StartAsync(Func<string> portalUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        // Its cookies and saved tokens live as long as the test run, not in the home folder's key ring.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = PortalScheme;
            })
            .AddCookie()
            // As an application would configure it: the handler's defaults (the code comes back by form_post).
            .AddOpenIdConnect(PortalScheme, options => Configure(options, portalUrl()))
            // The code on the redirect instead (response_mode=query): the last hop of the sign-in form's redirects.
            .AddOpenIdConnect(QueryModeScheme, options =>
            {
                Configure(options, portalUrl());
                options.ResponseMode = "query";
                options.CallbackPath = QueryModeCallbackPath;
                // Its correlation cookies come back on a top-level GET from another site, where Lax is enough (form_post needs None).
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", (ClaimsPrincipal user) => Results.Content(SignedInPage(user), "text/html; charset=utf-8")).RequireAuthorization();
        app.MapGet(QueryModePath, (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
            ? Results.Content(SignedInPage(user), "text/html; charset=utf-8")
            : Results.Challenge(new AuthenticationProperties { RedirectUri = QueryModePath }, [QueryModeScheme]));
        app.MapGet(ReauthenticatePath, () => Results.Challenge(new OpenIdConnectChallengeProperties { Prompt = "login", RedirectUri = "/" },
            [PortalScheme]));
        // What the application keeps from the sign-in, so a test can try its refresh token against the portal.
        app.MapGet("/tokens", async context => await context.Response.WriteAsJsonAsync(new Dictionary<string, string?>
        {
            ["refresh_token"] = await context.GetTokenAsync("refresh_token"),
            ["id_token"] = await context.GetTokenAsync("id_token"),
        })).RequireAuthorization();
        // Signs out here and at the portal: the handler sends the browser to the end-session endpoint with the id_token_hint.
        app.MapGet("/logout", () => TypedResults.SignOut(new AuthenticationProperties { RedirectUri = SignedOutPath },
            [CookieAuthenticationDefaults.AuthenticationScheme, PortalScheme]));
        app.MapGet(SignedOutPath, () => Results.Content(
            "<!DOCTYPE html><html><head><title>Signed out</title></head><body><h1 data-testid=\"signed-out\">Signed out of the team wiki</h1></body></html>",
            "text/html; charset=utf-8"));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new OidcRelyingPartySite(app, $"http://localhost:{address.Port}");
    }

    private static void Configure(OpenIdConnectOptions options, string portalUrl)
    {
        options.Authority = portalUrl;
        // The test portal runs on plain http (Development); a real one is https.
        options.RequireHttpsMetadata = false;
        options.ClientId = ClientId;
        options.ClientSecret = ClientSecret;
        options.ResponseType = "code";
        options.UsePkce = true;
        options.SaveTokens = true;
        options.GetClaimsFromUserInfoEndpoint = true;
        options.Scope.Clear();
        foreach (var scope in new[] { "openid", "profile", "email", "roles", "offline_access" })
        {
            options.Scope.Add(scope);
        }

        // The claims as the portal names them (amr, sid, role), not mapped to the WS-Federation URIs.
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.RoleClaimType = "role";
    }

    private static string SignedInPage(ClaimsPrincipal user)
    {
        var name = WebUtility.HtmlEncode(user.Identity?.Name);
        var claims = string.Concat(user.Claims.Select(c =>
            $"<li data-claim=\"{WebUtility.HtmlEncode(c.Type)}\">{WebUtility.HtmlEncode(c.Type)}: <span>{WebUtility.HtmlEncode(c.Value)}</span></li>"));
        return $$"""
            <!DOCTYPE html><html><head><title>Team wiki</title>
            <style>body{font-family:sans-serif;margin:2rem;max-width:40rem}li{font-family:monospace}</style></head>
            <body><h1>Team wiki</h1>
            <p>Signed in through QrLoginPortal as <strong data-testid="user">{{name}}</strong>,
            by <strong data-testid="amr">{{WebUtility.HtmlEncode(string.Join(" + ", user.FindAll("amr").Select(c => c.Value)))}}</strong>.</p>
            <ul>{{claims}}</ul>
            <p><a href="/logout">Sign out</a></p></body></html>
            """;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
