using Bunit;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;

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
}
