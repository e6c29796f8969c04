using Bunit;
using QrLoginPortal.Admin;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class TransactionsPageTests : AdminPageTestContext
{
    [Fact]
    public void WithNoTransactions_SaysNewOnesWillAppear()
    {
        var cut = Render<TransactionsPage>();

        cut.WaitForAssertion(() => Assert.Contains("No transactions match", cut.Find("[data-testid=empty]").TextContent));
    }

    [Fact]
    public async Task ShowsTransactions_AndUpdatesARowWhenItIsPushed()
    {
        var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => Assert.Equal("Pending", cut.Find("[data-testid=state]").TextContent));

        await Engine.Service.OpenAsync(created.Lsi, "user-id", null);
        cut.WaitForAssertion(() => Assert.Equal("Scanned", cut.Find("[data-testid=state]").TextContent));
        await Engine.Service.ApproveAsync(created.Lsi, "user-id", false, null, null);

        cut.WaitForAssertion(() => Assert.Equal("Approved", cut.Find("[data-testid=state]").TextContent));
        Assert.Contains("user@test.local", cut.Find("tbody tr").TextContent);
        Assert.Contains("Chrome 140 on Linux", cut.Find("tbody tr").TextContent);
    }

    [Fact]
    public async Task APush_IsMergedIntoTheTable_WithoutADatabaseQuery()
    {
        var earlier = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.ApproveAsync(earlier.Lsi, "user-id", false, null, null);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => Assert.Equal("Approved", cut.Find("[data-testid=state]").TextContent));
        var before = PageCommands.Count;

        var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        await Engine.Service.OpenAsync(created.Lsi, "user-id", null);
        cut.WaitForAssertion(() => Assert.Equal("Scanned", cut.FindAll("[data-testid=state]")[0].TextContent));
        await Engine.Service.ApproveAsync(created.Lsi, "user-id", false, null, null);

        cut.WaitForAssertion(() => Assert.Equal("Approved", cut.FindAll("[data-testid=state]")[0].TextContent));
        Assert.Contains("user@test.local", cut.FindAll("tbody tr")[0].TextContent);
        Assert.Contains("Chrome 140 on Linux", cut.FindAll("tbody tr")[0].TextContent);
        Assert.Equal(before, PageCommands.Count);
    }

    [Fact]
    public async Task ANewTransaction_AppearsWithoutReloading()
    {
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));

        await Engine.Service.CreateAsync(EngineFixture.Browser);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
    }

    [Fact]
    public async Task Cancel_FailsThePendingCode_AndTheWaitingPageIsTold()
    {
        var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
        var pushes = new List<QrTransactionChanged>();
        using var waiting = Engine.Notifier.Subscribe(created.Id, c => { lock (pushes) { pushes.Add(c); } return Task.CompletedTask; });
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=cancel]"));

        await cut.Find("button[data-testid=cancel]").ClickAsync(new());

        // Nobody denied it: an administrator stopped it, so it reads "Cancelled", not "Failed" or "Denied".
        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-testid=state]").TextContent));
        Assert.Contains(pushes, p => p.State == QrTransactionState.Failed);
        Assert.Equal(AttemptResult.NotAvailable, await Engine.Service.ApproveAsync(created.Lsi, "user-id", false, null, null));
    }

    [Fact]
    public async Task StopAll_AsksFirst_NamingHowManyCodesWait_AndCancelChangesNothing()
    {
        var first = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.CreateAsync(EngineFixture.Browser);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=stop-all]"));

        var said = await ClickAndAnswerAsync(cut.Find("button[data-testid=stop-all]"), "Cancel");

        Assert.Contains("3 codes waiting will be cancelled", said);
        Assert.Equal(QrTransactionState.Pending, (await Engine.Service.GetAsync(first.Id, first.Dsi))!.State);
        Assert.True((await Engine.Settings.GetAsync()).Enabled);
        Assert.Empty(cut.FindAll("[data-testid=stopped]"));
    }

    [Fact]
    public async Task StopAll_CancelsEveryPendingCode_AndSwitchesQrSignInOff_UntilReEnabled()
    {
        var first = await Engine.Service.CreateAsync(EngineFixture.Browser);
        var second = await Engine.Service.CreateAsync(EngineFixture.Browser);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=stop-all]"));

        await ClickAndAnswerAsync(cut.Find("button[data-testid=stop-all]"), "Stop all");

        cut.WaitForAssertion(() => Assert.Contains("2 pending codes cancelled", cut.Find("[data-testid=message]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=stopped]"));
        Assert.Equal(QrTransactionState.Failed, (await Engine.Service.GetAsync(first.Id, first.Dsi))!.State);
        Assert.Equal(QrTransactionState.Failed, (await Engine.Service.GetAsync(second.Id, second.Dsi))!.State);
        await Assert.ThrowsAsync<QrLoginDisabledException>(() => Engine.Service.CreateAsync(EngineFixture.Browser));

        await cut.Find("button[data-testid=resume]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("enabled again", cut.Find("[data-testid=message]").TextContent));
        Assert.NotNull(await Engine.Service.CreateAsync(EngineFixture.Browser));
    }

    [Fact]
    public async Task FilterByState_ShowsOnlyThatState()
    {
        var approved = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.ApproveAsync(approved.Lsi, "user-id", false, null, null);
        await Engine.Service.CreateAsync(EngineFixture.Browser);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        await cut.Find("button[data-testid=filter-approved]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Equal("Approved", cut.Find("[data-testid=state]").TextContent);
    }

    [Fact]
    public async Task ADenialReadsDenied_AndACodeItsBrowserGaveUpReadsCancelled_EachWithItsOwnFilter()
    {
        var denied = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.DenyAsync(denied.Lsi, "user-id", null, null);
        var abandoned = await Engine.Service.CreateAsync(EngineFixture.Browser);
        Assert.True(await Engine.Service.CancelAsync(abandoned.Id, abandoned.Dsi, null));
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        Assert.Equal(["Cancelled", "Denied"], cut.FindAll("[data-testid=state]").Select(e => e.TextContent).Order().ToArray());

        await cut.Find("button[data-testid=filter-denied]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Equal("Denied", cut.Find("[data-testid=state]").TextContent);

        await cut.Find("button[data-testid=filter-cancelled]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-testid=state]").TextContent));
        Assert.Single(cut.FindAll("tbody tr"));
        Assert.Empty(cut.FindAll("button[data-testid=filter-failed]"));
    }

    [Fact]
    public async Task ADemotedAdmin_CannotCancel()
    {
        var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=cancel]"));
        await DemoteAdminAsync();

        await cut.Find("button[data-testid=cancel]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Find("[data-testid=error]").TextContent));
        Assert.Equal(QrTransactionState.Pending, (await Engine.Service.GetAsync(created.Id, created.Dsi))!.State);
        await using var db = Engine.Database.CreateDbContext();
        Assert.True(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.AuditEvents,
            e => e.Type == QrLoginPortal.Audit.AuditTypes.AdminRefused && e.UserId == "admin-id"));
    }

    [Fact]
    public async Task StopAll_AlsoStopsAnApprovalNotYetTurnedIntoASignIn()
    {
        var approved = await Engine.Service.CreateAsync(EngineFixture.Browser);
        await Engine.Service.ApproveAsync(approved.Lsi, "user-id", false, null, null);
        var cut = Render<TransactionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=stop-all]"));

        await ClickAndAnswerAsync(cut.Find("button[data-testid=stop-all]"), "Stop all");

        cut.WaitForAssertion(() => cut.Find("[data-testid=stopped]"));
        Assert.Null(await Engine.Tickets.IssueTicketAsync(approved.Id, approved.Dsi));
    }
}

public sealed class TransactionsPageErrorTests() : AdminPageTestContext(failingDatabase: true)
{
    [Fact]
    public void WhenTheDatabaseFails_ShowsAnError()
    {
        var cut = Render<TransactionsPage>();

        cut.WaitForAssertion(() => Assert.Contains("Could not load", cut.Find("[data-testid=error]").TextContent));
    }
}
