using Bunit;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.Admin;

public sealed class SettingsHistoryPageTests : AdminPageTestContext
{
    [Fact]
    public void WithNoVersions_SaysSo()
    {
        var cut = Render<SettingsHistoryPage>();

        cut.WaitForAssertion(() => Assert.Contains("No versions recorded", cut.Find("[data-testid=empty]").TextContent));
        Assert.Contains("lsi (login session index) is the one-time code inside the QR code", cut.Find("[data-testid=terms]").TextContent);
    }

    [Fact]
    public async Task ShowsEachChange_OldToNew_AndRestoresAnEarlierVersion()
    {
        await SaveAsync(s => s.LsiLength = 16);
        await SaveAsync(s => s.ExpirySeconds = 60);
        var cut = Render<SettingsHistoryPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        Assert.Contains("expiry 120s → 60s", cut.FindAll("tbody tr")[0].TextContent);

        var said = await ClickAndAnswerAsync(cut.FindAll("button[data-testid=restore]").Single(), "Restore");

        Assert.Contains("changes 1 setting for every new code: expiry 60s → 120s", said);
        cut.WaitForAssertion(() => Assert.Contains("restored", cut.Find("[data-testid=message]").TextContent));
        var now = await Engine.Settings.GetAsync();
        Assert.Equal(120, now.ExpirySeconds);
        Assert.Equal(16, now.LsiLength);
        Assert.Contains("expiry 60s → 120s", cut.FindAll("tbody tr")[0].TextContent);
        await using var db = Engine.Database.CreateDbContext();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrSettingsRestore && e.Outcome == AuditOutcomes.Success && e.UserId == "admin-id"));
    }

    [Fact]
    public async Task APolicyChange_ShowsInTheHistory_AndTheRestoreQuestionSaysItSwitchesItBack()
    {
        await SaveAsync(s => s.LsiLength = 16);
        await SaveAsync(s => s.ApproverPasskey = ApproverPasskeyPolicy.Everyone);
        var cut = Render<SettingsHistoryPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        Assert.Contains("approver passkey off → everyone", cut.FindAll("tbody tr")[0].TextContent);

        var said = await ClickAndAnswerAsync(cut.FindAll("button[data-testid=restore]").Single(), "Cancel");

        Assert.Contains("approver passkey everyone → off", said);
    }

    [Fact]
    public async Task Restore_Cancelled_ChangesNothing()
    {
        await SaveAsync(s => s.LsiLength = 16);
        await SaveAsync(s => s.ExpirySeconds = 60);
        var cut = Render<SettingsHistoryPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await ClickAndAnswerAsync(cut.FindAll("button[data-testid=restore]").Single(), "Cancel");

        Assert.Equal(60, (await Engine.Settings.GetAsync()).ExpirySeconds);
        Assert.Equal(2, cut.FindAll("tbody tr").Count);
        Assert.Empty(cut.FindAll("[data-testid=message]"));
    }

    [Fact]
    public async Task AVersionThatNoLongerValidates_IsRefused_AndNothingChanges()
    {
        await SaveAsync(s => s.LsiLength = 16);
        await using (var db = Engine.Database.CreateDbContext())
        {
            db.QrSettingsVersions.Add(QrSettingsVersion.Of(new QrSettings { DsiLength = 16 }, Engine.Clock.GetUtcNow().AddDays(-400), null, "old release", null));
            await db.SaveChangesAsync();
        }

        await SaveAsync(s => s.ExpirySeconds = 90);
        var cut = Render<SettingsHistoryPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody tr").Count));

        await ClickAndAnswerAsync(cut.FindAll("tbody tr")[1].QuerySelector("button")!, "Restore");

        cut.WaitForAssertion(() => Assert.Contains("was not restored", cut.Find("[data-testid=error]").TextContent));
        Assert.Contains("at least 128 are required", cut.Find("[data-testid=error]").TextContent);
        Assert.Equal(16, (await Engine.Settings.GetAsync()).LsiLength);
        Assert.Equal(90, (await Engine.Settings.GetAsync()).ExpirySeconds);
    }

    private async Task SaveAsync(Action<QrSettings> change)
    {
        var settings = await Engine.Settings.GetAsync();
        change(settings);
        Assert.Empty(await Engine.Settings.UpdateAsync(settings, "admin-id", "admin@test.local", null));
    }
}
