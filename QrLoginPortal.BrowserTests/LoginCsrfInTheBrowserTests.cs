using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;

namespace QrLoginPortal.BrowserTests;

/// <summary>Attacks a real browser can carry out, from a page on another site.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginCsrfInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task AnotherSitesPage_PostingAnAttackersSingleSignOnToken_LeavesTheVictimSignedInAsThemselves()
    {
        var attackerEmail = $"attacker-{Guid.NewGuid():N}@browser.test";
        var token = await AttackersTokenAsync(attackerEmail);
        await using var site = await ForeignSite.StartAsync(ForeignSite.AutoSubmittingForm(BaseUrl + "/v1.0/authenticate/sso",
            new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = "/account/sessions" }));
        var victim = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(victim, PortalServer.DemoEmail, PortalServer.DemoPassword);

        await victim.GotoAsync(site.Url);
        // The foreign page's form lands on the portal (refused, or before the fix: signed in as the attacker).
        await ExpectAddressStartingWithAsync(victim, BaseUrl);
        await victim.WaitForLoadStateAsync();
        await ShotAsync(victim, "after-the-foreign-post");
        await victim.GotoAsync("/account/sessions");

        await ShotAsync(victim, "account-sessions");
        await Expect(victim.Locator(".top-nav")).ToContainTextAsync(PortalServer.DemoEmail);
        await Expect(victim.Locator(".top-nav")).Not.ToContainTextAsync(attackerEmail);
    }

    /// <summary>The attacker's own account signs in through the authn API from the attacker's own client: its single sign-on token.</summary>
    private async Task<string> AttackersTokenAsync(string email)
    {
        using (var scope = Fixture.Server.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var created = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true },
                PortalServer.DemoPassword);
            Assert.True(created.Succeeded);
        }

        using var attacker = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(BaseUrl) };
        var response = await attacker.PostAsJsonAsync("/idp/ws/rest/authn",
            new { type = "username+password", username = email, password = PortalServer.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
