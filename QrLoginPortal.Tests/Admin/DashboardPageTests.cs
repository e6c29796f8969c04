using Bunit;
using QrLoginPortal.Admin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class DashboardPageTests : AdminPageTestContext
{
    [Fact]
    public void WithNoActivity_ShowsZeros_AndSaysThereIsNone()
    {
        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=created]").TextContent));
        Assert.Contains("No QR sign-in activity", cut.Find("[data-testid=no-activity]").TextContent);
        Assert.Equal("—", cut.Find("[data-testid=median]").TextContent);
    }

    [Fact]
    public async Task CountsTheLast24Hours_AndTheMedianTimeToApprove()
    {
        var old = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.ApproveAsync(old.Lsi, "user-id", false, null, null);
        Engine.Clock.Advance(TimeSpan.FromHours(25));
        foreach (var seconds in new[] { 2, 4, 30 })
        {
            var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
            Engine.Clock.Advance(TimeSpan.FromSeconds(seconds));
            await Engine.Service.ApproveAsync(created.Lsi, "user-id", false, null, null);
        }

        var denied = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.DenyAsync(denied.Lsi, "user-id", null, null);
        await Engine.Service.CreateAsync(EngineFixture.Browser);
        Engine.Clock.Advance(TimeSpan.FromMinutes(3));
        await Engine.Sweeper.ExpireOverdueAsync();
        // A page closed (or a password used instead): cancelled, which is not a denial.
        var abandoned = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.CancelAsync(abandoned.Id, abandoned.Dsi, null);
        await Engine.Service.CreateAsync(EngineFixture.Browser);

        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Equal("7", cut.Find("[data-testid=created]").TextContent));
        Assert.Equal("3", cut.Find("[data-testid=approved]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=denied]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=cancelled]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=expired]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=pending]").TextContent);
        Assert.Equal("4.0 s", cut.Find("[data-testid=median]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=no-activity]"));
    }

    [Fact]
    public async Task TheCountsAddUpToTheCodesShown_WhenACodeShownYesterdayIsAnsweredToday()
    {
        // Shown 23h59m ago, expired a few minutes later; then the window moves on by an hour:
        // the code is no longer "shown in the last 24 hours", so its end must not be counted either.
        await Engine.Service.CreateAsync(EngineFixture.Browser);
        Engine.Clock.Advance(TimeSpan.FromMinutes(3));
        await Engine.Sweeper.ExpireOverdueAsync();
        Engine.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1));
        var fresh = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.ApproveAsync(fresh.Lsi, "user-id", false, null, null);

        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=created]").TextContent));
        var parts = new[] { "approved", "denied", "cancelled", "expired", "pending" }
            .Sum(id => int.Parse(cut.Find($"[data-testid={id}]").TextContent, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, parts);
    }
}

public sealed class DashboardPageErrorTests() : AdminPageTestContext(failingDatabase: true)
{
    [Fact]
    public void WhenTheDatabaseFails_ShowsAnError()
    {
        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Contains("Could not load", cut.Find("[data-testid=error]").TextContent));
    }
}
