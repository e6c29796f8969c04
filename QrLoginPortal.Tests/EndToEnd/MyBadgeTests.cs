using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Badges;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>A person's own badge on their account page: print (a new) one when the policy lets them, void it when lost.</summary>
public sealed partial class MyBadgeTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Page = "/Account/Manage/Badge";
    private BadgeService Badges => portal.Services.GetRequiredService<BadgeService>();
    private BadgePolicyStore BadgePolicies => portal.BadgePolicies;
    private BadgeSignInCheck BadgeCheck => portal.Services.GetRequiredService<BadgeSignInCheck>();

    [Fact]
    public async Task APerson_PrintsTheirOwnBadge_WhichOnlyTheySeeAndWhichSignsIn()
    {
        await SetPolicyAsync(selfService: true);
        var (email, userId) = await NewUserAsync();
        using var person = await SignedInAsync(email);
        var page = await person.GetPageAsync(Page);
        Assert.Contains("You have no badge", page);

        var printed = await person.PostFormAsync(Page, page, "print-badge", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, printed.StatusCode);
        var sheetPath = new Uri(new Uri("http://localhost"), printed.Headers.Location!).PathAndQuery;
        Assert.StartsWith("/Account/Manage/Badge/Print/", sheetPath);
        var sheet = await person.GetPageAsync(sheetPath);
        var code = BadgeCode().Match(sheet).Groups[1].Value;

        Assert.Equal(userId, (await BadgeCheck.CheckAsync(code, BadgeStep.FirstStep, null, "192.0.2.9")).UserId);
        Assert.Contains("You have a badge", await person.GetPageAsync(Page));
        using var someoneElse = await SignedInAsync((await NewUserAsync()).Email);
        Assert.DoesNotContain(code, await someoneElse.GetPageAsync(sheetPath));
    }

    [Fact]
    public async Task APerson_VoidsTheirLostBadge()
    {
        await SetPolicyAsync(selfService: true);
        var (email, userId) = await NewUserAsync();
        var badge = (await Badges.IssueAsync(userId, null, null))!;
        using var person = await SignedInAsync(email);
        var page = await person.GetPageAsync(Page);

        var voided = await person.PostFormAsync(Page, page, "void-badge", new Dictionary<string, string>());

        Assert.Contains("Your badge was voided.", await voided.Content.ReadAsStringAsync());
        Assert.False((await BadgeCheck.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, "192.0.2.9")).Succeeded);
    }

    [Fact]
    public async Task WhenThePolicySaysNo_ThereIsNoPrintButton_AndAPostPrintsNothing()
    {
        await SetPolicyAsync(selfService: false);
        var (email, userId) = await NewUserAsync();
        using var person = await SignedInAsync(email);
        var page = await person.GetPageAsync(Page);
        Assert.DoesNotContain("data-testid=\"print-own\"", page);

        await person.PostFormAsync(Page, page, "print-badge", new Dictionary<string, string>());

        Assert.Null(await Badges.GetUsableAsync(userId));
    }

    private async Task SetPolicyAsync(bool selfService) =>
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, UsersMayPrintOwn = selfService }, null, "test", null));

    private async Task<(string Email, string UserId)> NewUserAsync()
    {
        var email = $"person-{Guid.NewGuid():N}@test.local";
        return (email, await portal.CreateUserAsync(email));
    }

    private async Task<PortalFactory.BrowserClient> SignedInAsync(string email)
    {
        var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return browser;
    }

    [GeneratedRegex("data-testid=\"badge-code\">([A-Z2-7-]+)<")]
    private static partial Regex BadgeCode();
}
