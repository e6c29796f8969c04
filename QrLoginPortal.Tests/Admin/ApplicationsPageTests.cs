using Bunit;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Oidc;

namespace QrLoginPortal.Tests.Admin;

public sealed class ApplicationsPageTests : AdminPageTestContext
{
    [Fact]
    public async Task RegisteringAConfidentialApplication_ShowsItsSecretOnce_AndListsIt()
    {
        var cut = Render<ApplicationsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));
        await cut.Find("input[data-testid=name]").InputAsync(new() { Value = "Team wiki" });
        await cut.Find("textarea[data-testid=redirect-uris]").InputAsync(new() { Value = "https://wiki.example/callback" });

        await cut.Find("button[data-testid=register]").ClickAsync(new());

        cut.WaitForAssertion(() => cut.Find("[data-testid=client-secret]"));
        var clientId = cut.Find("[data-testid=client-id]").TextContent;
        var listed = Assert.Single(await Services.GetRequiredService<ApplicationAdmin>().ListAsync());
        Assert.Equal(clientId, listed.ClientId);
        Assert.True(listed.Confidential);
        Assert.Contains("https://wiki.example/callback", cut.Find("[data-testid=applications]").TextContent);

        await cut.Find("button[data-testid=toggle]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is disabled", cut.Find("[data-testid=message]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=client-secret]"));
    }

    [Fact]
    public async Task AnAddressThatIsNotHttps_IsRefused_NamingIt()
    {
        var cut = Render<ApplicationsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));
        await cut.Find("input[data-testid=name]").InputAsync(new() { Value = "Team wiki" });
        await cut.Find("textarea[data-testid=redirect-uris]").InputAsync(new() { Value = "http://wiki.example/callback" });

        await cut.Find("button[data-testid=register]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("'http://wiki.example/callback' must use https", cut.Find("[data-testid=error]").TextContent));
        Assert.Empty(await Services.GetRequiredService<ApplicationAdmin>().ListAsync());
    }

    [Fact]
    public async Task ALogoThatIsNotHttps_IsRefused_NamingIt()
    {
        var cut = Render<ApplicationsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));
        await cut.Find("input[data-testid=name]").InputAsync(new() { Value = "Team wiki" });
        await cut.Find("textarea[data-testid=redirect-uris]").InputAsync(new() { Value = "https://wiki.example/callback" });
        await cut.Find("input[data-testid=logo-uri]").InputAsync(new() { Value = "http://wiki.example/logo.png" });

        await cut.Find("button[data-testid=register]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Logo address 'http://wiki.example/logo.png' must be an absolute https address", cut.Find("[data-testid=error]").TextContent));
        Assert.Empty(await Services.GetRequiredService<ApplicationAdmin>().ListAsync());
    }

    [Fact]
    public async Task AnExplicitApplicationWithALogo_IsRegistered_AndItsAddressesConsentAndLogoCanBeChangedOnThePage()
    {
        var cut = Render<ApplicationsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));
        await cut.Find("input[data-testid=name]").InputAsync(new() { Value = "Partner portal" });
        await cut.Find("textarea[data-testid=redirect-uris]").InputAsync(new() { Value = "https://partner.example/callback" });
        await cut.Find("input[data-testid=logo-uri]").InputAsync(new() { Value = "https://partner.example/logo.png" });
        await cut.Find("input[data-testid=explicit-consent], [data-testid=explicit-consent] input").ChangeAsync(new() { Value = true });
        await cut.Find("button[data-testid=register]").ClickAsync(new());
        cut.WaitForAssertion(() => cut.Find("[data-testid=client-secret]"));
        var registered = Assert.Single(await Services.GetRequiredService<ApplicationAdmin>().ListAsync());
        Assert.Equal(OidcConsent.Explicit, registered.ConsentType);
        Assert.Equal("https://partner.example/logo.png", registered.LogoUri);
        Assert.Equal("explicit", cut.Find("[data-testid=consent-type]").TextContent);

        await cut.Find("button[data-testid=edit]").ClickAsync(new());
        Assert.Contains(registered.ClientId, cut.Find("[data-testid=form-title]").TextContent);
        await cut.Find("textarea[data-testid=redirect-uris]").InputAsync(new() { Value = "https://partner.example/new-callback\nhttps://partner.example/other" });
        await cut.Find("textarea[data-testid=post-logout-uris]").InputAsync(new() { Value = "https://partner.example/bye" });
        await cut.Find("input[data-testid=logo-uri]").InputAsync(new() { Value = "" });
        await cut.Find("input[data-testid=explicit-consent], [data-testid=explicit-consent] input").ChangeAsync(new() { Value = false });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("was changed", cut.Find("[data-testid=message]").TextContent));
        var changed = Assert.Single(await Services.GetRequiredService<ApplicationAdmin>().ListAsync());
        Assert.Equal(registered.ClientId, changed.ClientId);
        Assert.Equal(["https://partner.example/new-callback", "https://partner.example/other"], changed.RedirectUris.Order());
        Assert.Equal(["https://partner.example/bye"], changed.PostLogoutRedirectUris);
        Assert.Equal(OidcConsent.Implicit, changed.ConsentType);
        Assert.Null(changed.LogoUri);
        Assert.True(changed.Confidential);
        Assert.Equal("Register an application", cut.Find("[data-testid=form-title]").TextContent);
    }
}
