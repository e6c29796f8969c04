using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using QrLoginPortal.BrowserTests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The consent page of an application with explicit consent, in Chromium: the person sees the application and
/// what it may see, presses Allow, and the browser arrives at the application with a code (the page's form posts
/// to the portal, which redirects to another site: the portal's form-action policy must not stop that).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsentInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task Allow_OnTheConsentPage_TakesTheBrowserToTheApplicationWithACode_AndDenySendsAccessDenied()
    {
        await using var application = await ForeignSite.StartAsync("<!DOCTYPE html><title>The application</title><h1>The application</h1>");
        var clientId = "consent-" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = Fixture.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientType = ClientTypes.Public,
                ConsentType = ConsentTypes.Explicit,
                DisplayName = "Partner wiki",
                RedirectUris = { new Uri(application.Url) },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                    Permissions.ResponseTypes.Code, Permissions.Scopes.Profile, Permissions.Scopes.Email,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            });
        }

        var desktop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(desktop, PortalServer.DemoEmail, PortalServer.DemoPassword);

        await desktop.GotoAsync(AuthorizeUrl(clientId, application.Url, "deny-state"));
        await Expect(desktop.GetByTestId("consent-application")).ToHaveTextAsync("Partner wiki");
        await Expect(desktop.GetByTestId("consent-scopes")).ToContainTextAsync("See your email address");
        await ShotAsync(desktop, "consent-page");
        await desktop.GetByTestId("consent-deny").ClickAsync();
        await ExpectAddressStartingWithAsync(desktop, application.Url);
        var denied = QueryHelpers.ParseQuery(new Uri(desktop.Url).Query);
        Assert.Equal("access_denied", denied["error"].ToString());
        Assert.Equal("deny-state", denied["state"].ToString());

        await desktop.GotoAsync(AuthorizeUrl(clientId, application.Url, "allow-state"));
        await desktop.GetByTestId("consent-allow").ClickAsync();
        await ExpectAddressStartingWithAsync(desktop, application.Url);
        var allowed = QueryHelpers.ParseQuery(new Uri(desktop.Url).Query);
        Assert.False(string.IsNullOrEmpty(allowed["code"].ToString()));
        Assert.Equal("allow-state", allowed["state"].ToString());

        // Remembered: the next request goes straight to the application.
        await desktop.GotoAsync(AuthorizeUrl(clientId, application.Url, "again"));
        await ExpectAddressStartingWithAsync(desktop, application.Url);
        Assert.False(string.IsNullOrEmpty(QueryHelpers.ParseQuery(new Uri(desktop.Url).Query)["code"].ToString()));
    }

    private string AuthorizeUrl(string clientId, string redirectUri, string state) =>
        QueryHelpers.AddQueryString(BaseUrl.TrimEnd('/') + "/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile email",
            ["state"] = state,
            ["nonce"] = "n-" + state,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(new string('v', 43)))),
            ["code_challenge_method"] = "S256",
        });
}
