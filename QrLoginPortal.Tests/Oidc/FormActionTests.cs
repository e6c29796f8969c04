using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>
/// A sign-in for an application is a form that ends, two redirects later, at the application; Chromium checks the
/// page's CSP form-action against each hop, so the page has to name that application's origin (and only that one).
/// </summary>
public sealed class FormActionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static string FormAction(HttpResponseMessage response) =>
        response.Headers.GetValues("Content-Security-Policy").Single().Split(';', StringSplitOptions.TrimEntries)
            .Single(d => d.StartsWith("form-action ", StringComparison.Ordinal));

    [Fact]
    public async Task TheSignInPage_ForARegisteredApplicationsRequest_AllowsItsFormsToEndAtThatApplication()
    {
        var app = await OidcRelyingParty.RegisterAsync(portal, redirectUri: "https://wiki.example:8443/signin-oidc");
        using var browser = portal.CreateBrowser();

        var page = await browser.Http.GetAsync("/login?ReturnUrl=" + Uri.EscapeDataString(app.AuthorizeUrl()));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("form-action 'self' https://wiki.example:8443", FormAction(page));
    }

    [Fact]
    public async Task AFormPostAnswer_OfTheAuthorizationEndpoint_MayPostToTheApplication()
    {
        await portal.CreateUserAsync("form-action-post@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("form-action-post@test.local", PortalFactory.DemoPassword);
        var app = await OidcRelyingParty.RegisterAsync(portal, redirectUri: "https://wiki.example/signin-oidc");

        var answer = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["response_mode"] = "form_post" }));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("action=\"https://wiki.example/signin-oidc\"", await answer.Content.ReadAsStringAsync());
        Assert.Equal("form-action 'self' https://wiki.example", FormAction(answer));
    }

    [Fact]
    public async Task ALinkNamingAnUnregisteredAddress_OrAnUnknownClient_WidensNothing()
    {
        var app = await OidcRelyingParty.RegisterAsync(portal, redirectUri: "https://wiki.example/signin-oidc");
        var lookalike = new OidcRelyingParty(portal, app.ClientId, "https://evil.example/signin-oidc");
        var stranger = new OidcRelyingParty(portal, "never-registered", "https://evil.example/signin-oidc");
        using var browser = portal.CreateBrowser();

        foreach (var url in new[]
                 {
                     "/login?ReturnUrl=" + Uri.EscapeDataString(lookalike.AuthorizeUrl()),
                     "/login?returnUrl=" + Uri.EscapeDataString(stranger.AuthorizeUrl()),
                     "/login?ReturnUrl=" + Uri.EscapeDataString("https://evil.example" + app.AuthorizeUrl()),
                     "/login",
                 })
        {
            Assert.Equal("form-action 'self'", FormAction(await browser.Http.GetAsync(url)));
        }
    }
}
