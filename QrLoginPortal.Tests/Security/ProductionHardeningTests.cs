using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>Cookie flags, HSTS and headers as a deployed portal sends them (Production, https).</summary>
public sealed class ProductionHardeningTests(ProductionPortalFactory portal) : IClassFixture<ProductionPortalFactory>
{
    private const string Email = "prod-user@test.local";

    [Fact]
    public async Task Pages_CarryHstsAndTheSecurityHeaders()
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://portal.example") });

        var response = await http.GetAsync("/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max-age=", Header(response, "Strict-Transport-Security"));
        SecurityHeaderAssert.Present(response);
    }

    [Fact]
    public async Task TheIdentityCookie_IsHostPrefixed_Secure_HttpOnly_AndLax()
    {
        await EnsureUserAsync();
        using var browser = portal.CreateBrowser();

        var page = await browser.GetPageAsync("/login");
        var response = await browser.PostFormAsync("/login", page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = Email,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-", StringComparison.Ordinal) && c.Contains("Identity"));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Identity.Application", StringComparison.Ordinal));
        Assert.Contains("Account", await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task TheAntiforgeryCookie_IsSecure()
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://portal.example") });

        var response = await http.GetAsync("/login");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.Contains("Antiforgery", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BehindATlsProxyThatIsNotConfigured_PagesStillWork_AndTheCookiesAreStillSecure()
    {
        // The request looks like plain http to the portal; the browser talks https to the proxy.
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("http://portal.example") });

        var response = await http.GetAsync("/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(response.Headers.GetValues("Set-Cookie"), c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TheAuthenticationStepsRedirect_CarriesTheSecurityHeaders()
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://portal.example") });

        var response = await http.GetAsync("/qr/ABCDEFGHJKMNP");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        SecurityHeaderAssert.Present(response);
        Assert.NotNull(Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task OpenIddictAndEfCore_LogNothingBelowWarning_ByDefault()
    {
        // The factory lowers the default to Warning for quiet test output; the categories' own
        // defaults in appsettings.json must hold even under an Information default.
        await using var informational = new ProductionPortalFactory { Settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" } };
        var loggers = informational.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("OpenIddict.Server.OpenIddictServerDispatcher").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("OpenIddict.Validation.OpenIddictValidationDispatcher").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Microsoft.EntityFrameworkCore.Database.Command").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Microsoft.EntityFrameworkCore.Infrastructure").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("OpenIddict.Server.OpenIddictServerDispatcher").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("QrLoginPortal.QrLogin.QrSweeper").IsEnabled(LogLevel.Information));
    }

    private async Task EnsureUserAsync()
    {
        try
        {
            await portal.UserIdAsync(Email);
        }
        catch (NullReferenceException)
        {
            await portal.CreateUserAsync(Email);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>The headers <see cref="QrLoginPortal.SignIn.SecurityHeaders"/> promises on every response.</summary>
public static class SecurityHeaderAssert
{
    public static void Present(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var status = (int)response.StatusCode;
        Assert.True(headers.TryGetValue("Content-Security-Policy", out var csp) && csp.Contains("frame-ancestors 'none'"), $"{status} without CSP");
        Assert.True(headers.TryGetValue("X-Frame-Options", out var frame) && frame == "DENY", $"{status} without X-Frame-Options");
        Assert.True(headers.TryGetValue("X-Content-Type-Options", out var sniff) && sniff == "nosniff", $"{status} without X-Content-Type-Options");
        Assert.True(headers.TryGetValue("Referrer-Policy", out var referrer) && referrer == "no-referrer", $"{status} without Referrer-Policy");
    }
}
