using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Components.Badges;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class BadgesPageTests : AdminPageTestContext
{
    private BadgeService Badges => Services.GetRequiredService<BadgeService>();
    private BadgePolicyStore BadgePolicies => Services.GetRequiredService<BadgePolicyStore>();
    private BadgeSignInCheck BadgeCheck => Services.GetRequiredService<BadgeSignInCheck>();
    private BadgePrintJobs PrintJobs => Services.GetRequiredService<BadgePrintJobs>();

    [Fact]
    public async Task IssueAndPrint_OpensTheSheetOfThatUsersNewBadge_WhichSignsThemIn()
    {
        await EnableAsync();
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await Row(cut, "user@test.local").QuerySelector("button[data-testid=issue]")!.ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/admin/badges/print/", navigation.Uri));
        var jobId = navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..];
        Assert.Null(PrintJobs.Get(jobId, "user-id"));
        var badge = Assert.Single(PrintJobs.Get(jobId, "admin-id")!);
        Assert.Equal("user-id", badge.UserId);
        Assert.Equal("user-id", (await BadgeCheck.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, "192.0.2.1")).UserId);
    }

    [Fact]
    public async Task Search_FiltersThePeopleAsTheAdminTypes_WithoutLeavingTheField()
    {
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("input[data-testid=search]").InputAsync(new() { Value = "user@" });
        // The search waits for a pause in typing, timed by the injected clock (as on the users page).
        Engine.Clock.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Contains("user@test.local", cut.Find("tbody tr").TextContent);
    }

    [Fact]
    public void Prerendered_BeforeItsCircuitIsUp_ThePagesControlsAreDisabled()
    {
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var cut = Render<BadgesPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        Assert.True(cut.Find("button[data-testid=save-policy]").HasAttribute("disabled"));
        Assert.True(cut.Find("button[data-testid=void-role]").HasAttribute("disabled"));
        Assert.True(Toggle(cut, "enabled").HasAttribute("disabled"));
        Assert.All(cut.FindAll("button[data-testid=issue]"), b => Assert.True(b.HasAttribute("disabled")));
    }

    [Fact]
    public async Task Void_StopsTheBadge_AndTheRowSaysNone()
    {
        await EnableAsync();
        var badge = (await Badges.IssueAsync("user-id", "admin-id", null))!;
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Contains("issued", Row(cut, "user@test.local").TextContent));

        await Row(cut, "user@test.local").QuerySelector("button[data-testid=void]")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("voided", cut.Find("[data-testid=message]").TextContent));
        cut.WaitForAssertion(() => Assert.Contains("none", Row(cut, "user@test.local").QuerySelector("[data-testid=badge-state]")!.TextContent));
        Assert.False((await BadgeCheck.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, "192.0.2.1")).Succeeded);
    }

    [Fact]
    public async Task VoidAllOfARole_StopsEveryBadgeOfIt()
    {
        await EnableAsync();
        var badge = (await Badges.IssueAsync("user-id", "admin-id", null))!;
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        var said = await ClickAndAnswerAsync(cut.Find("button[data-testid=void-role]"), "Void all");

        Assert.Contains("1 badge will stop working at once", said);
        cut.WaitForAssertion(() => Assert.Contains("Voided 1 badge of User", cut.Find("[data-testid=message]").TextContent));
        Assert.False((await BadgeCheck.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, "192.0.2.1")).Succeeded);
    }

    [Fact]
    public async Task VoidAllOfARole_Cancelled_LeavesEveryBadgeWorking()
    {
        await EnableAsync();
        var badge = (await Badges.IssueAsync("user-id", "admin-id", null))!;
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await ClickAndAnswerAsync(cut.Find("button[data-testid=void-role]"), "Cancel");

        Assert.Empty(cut.FindAll("[data-testid=message]"));
        Assert.NotNull(await Badges.GetUsableAsync("user-id"));
        Assert.Equal(badge.BadgeId, (await Badges.GetUsableAsync("user-id"))!.Id);
    }

    [Fact]
    public async Task IssueForARole_AsksFirst_NamingWhoseOldBadgesStop_CancelIssuesNothing_ConfirmOpensTheSheet()
    {
        await EnableAsync();
        var old = (await Badges.IssueAsync("user-id", "admin-id", null))!;
        await using (var db = Engine.Database.CreateDbContext())
        {
            db.Users.Add(new global::QrLoginPortal.Data.ApplicationUser
            {
                Id = "pupil-id", UserName = "pupil@test.local", NormalizedUserName = "PUPIL@TEST.LOCAL", Email = "pupil@test.local",
                NormalizedEmail = "PUPIL@TEST.LOCAL", SecurityStamp = Guid.NewGuid().ToString(),
            });
            await db.SaveChangesAsync();
        }

        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody tr").Count));
        var navigation = Services.GetRequiredService<NavigationManager>();

        var said = await ClickAndAnswerAsync(cut.Find("button[data-testid=issue-role]"), "Cancel");

        Assert.Contains("2 people will get a new badge to print; 1 person's old badge will stop working", said);
        Assert.Equal(old.BadgeId, (await Badges.GetUsableAsync("user-id"))!.Id);
        Assert.DoesNotContain("/admin/badges/print/", navigation.Uri);

        await ClickAndAnswerAsync(cut.Find("button[data-testid=issue-role]"), "Issue and print");

        cut.WaitForAssertion(() => Assert.Contains("/admin/badges/print/", navigation.Uri));
        Assert.NotEqual(old.BadgeId, (await Badges.GetUsableAsync("user-id"))!.Id);
    }

    [Fact]
    public async Task SavingAPolicy_ThatAsksAnUnallowedRoleForItsBadge_IsRefusedWithAMessage_AndNothingChanges()
    {
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=policy]"));

        await Toggle(cut, "second-Admin").ChangeAsync(new() { Value = true });
        await cut.Find("button[data-testid=save-policy]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("allow the role first", cut.Find("[data-testid=policy-error-SecondStepRoles]").TextContent));
        Assert.Empty((await BadgePolicies.GetAsync()).SecondStepRoles);
    }

    [Fact]
    public async Task SavingAValidPolicy_KeepsIt_AndAuditsIt()
    {
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=policy]"));

        await Toggle(cut, "enabled").ChangeAsync(new() { Value = true });
        await cut.Find("[data-testid=save-policy]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Policy saved", cut.Find("[data-testid=message]").TextContent));
        Assert.True((await BadgePolicies.GetAsync()).Enabled);
        await using var db = Engine.Database.CreateDbContext();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.BadgePolicyChange && e.UserId == "admin-id"));
    }

    [Fact]
    public async Task TheSheet_ShowsEachBadgeWithAQrCodeThatCarriesItsSecret()
    {
        var first = (await Badges.IssueAsync("user-id", "admin-id", null))!;
        var second = (await Badges.IssueAsync("admin-id", "admin-id", null))!;

        var sheet = Render<BadgeSheet>(p => p.Add(s => s.Badges, [first.ToPrintable(), second.ToPrintable()]));

        var cards = sheet.FindAll("[data-testid=badge-card]");
        Assert.Equal(2, cards.Count);
        var images = sheet.FindAll("img.badge-qr").Select(i => i.GetAttribute("src")!).ToList();
        Assert.Equal(first.QrContent, QrImage.Decode(Convert.FromBase64String(images[0]["data:image/png;base64,".Length..])));
        Assert.Equal(second.QrContent, QrImage.Decode(Convert.FromBase64String(images[1]["data:image/png;base64,".Length..])));
        Assert.Equal(first.Grouped, cards[0].QuerySelector("[data-testid=badge-code]")!.TextContent);
        Assert.Contains("user@test.local", cards[0].TextContent);
    }

    [Fact]
    public async Task WithInsecureIdBadgesOn_AnIdBadgeIsPrinted_ThatOnlyNamesThePerson()
    {
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, InsecureIdBadges = true }, "admin-id", "admin", null));
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Contains("holds no secret", cut.Find("[data-testid=insecure-warning]").TextContent));

        await Row(cut, "user@test.local").QuerySelector("button[data-testid=print-id]")!.ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/admin/badges/print/", navigation.Uri));
        var badge = Assert.Single(PrintJobs.Get(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..], "admin-id")!);
        Assert.Equal(IdBadge.QrContent("user@test.local"), badge.QrContent);
        await using var db = Engine.Database.CreateDbContext();
        Assert.Empty(await db.Badges.ToListAsync());
    }

    [Fact]
    public async Task IssueForTheListed_PrintsOneSheetForTheSearchResults()
    {
        await EnableAsync();
        var cut = Render<BadgesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        await cut.Find("input[data-testid=search]").InputAsync(new() { Value = "user@" });
        Engine.Clock.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));

        await cut.Find("button[data-testid=issue-listed]").ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/admin/badges/print/", navigation.Uri));
        var badge = Assert.Single(PrintJobs.Get(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..], "admin-id")!);
        Assert.Equal("user-id", badge.UserId);
    }

    private async Task EnableAsync() =>
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true }, "admin-id", "admin", null));

    /// <summary>The input of a MudBlazor switch or checkbox, wherever the component put its test id.</summary>
    private static AngleSharp.Dom.IElement Toggle(IRenderedComponent<BadgesPage> cut, string testId) =>
        cut.FindAll($"input[data-testid={testId}], [data-testid={testId}] input").First();

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<BadgesPage> cut, string email) =>
        cut.FindAll("tbody tr").Single(r => r.TextContent.Contains(email));
}
