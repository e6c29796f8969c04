using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class QrLoginServiceTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task Create_StoresOnlyHashesOfBothSecrets()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        await using var db = _engine.Database.CreateDbContext();
        var row = await db.QrTransactions.SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(QrTransactionState.Pending, row.State);
        Assert.Equal(Secrets.Hash(created.Lsi), row.LsiHash);
        Assert.Equal(Secrets.Hash(created.Dsi), row.DsiHash);
        var everyText = string.Join("|", db.Model.FindEntityType(typeof(QrTransaction))!.GetProperties()
            .Select(p => p.PropertyInfo?.GetValue(row) switch
            {
                byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                var value => value?.ToString(),
            }));
        Assert.DoesNotContain(created.Lsi, everyText);
        Assert.DoesNotContain(created.Dsi, everyText);
    }

    [Fact]
    public async Task Create_UsesTheExpiryAndSecretShapeOfTheSettings()
    {
        var settings = await _engine.Settings.GetAsync(TestContext.Current.CancellationToken);
        settings.LsiCharset = "abcdef";
        settings.LsiLength = 20;
        settings.DsiCharset = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
        settings.DsiLength = 30;
        settings.ExpirySeconds = 45;
        Assert.Empty(await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: TestContext.Current.CancellationToken));

        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.Equal(20, created.Lsi.Length);
        Assert.All(created.Lsi, c => Assert.Contains(c, "abcdef"));
        Assert.Equal(30, created.Dsi.Length);
        Assert.All(created.Dsi, c => Assert.Contains(c, settings.DsiCharset));
        Assert.Equal(_engine.Clock.GetUtcNow().AddSeconds(45), created.ExpiresAt);
    }

    [Fact]
    public async Task Create_WhenDisabled_IsRefused()
    {
        var settings = await _engine.Settings.GetAsync(TestContext.Current.CancellationToken);
        settings.Enabled = false;
        await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<QrLoginDisabledException>(() => Service.CreateAsync(EngineFixture.Browser));
    }

    [Fact]
    public async Task Open_MarksScannedOnce_AndPushesIt()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        var pushes = new List<QrTransactionChanged>();
        using var _ = _engine.Notifier.Subscribe(created.Id, c => { pushes.Add(c); return Task.CompletedTask; });

        var request = await Service.OpenAsync(created.Lsi, "user-1", "203.0.113.11");
        await Service.OpenAsync(created.Lsi, "user-1", "203.0.113.11");

        Assert.NotNull(request);
        Assert.Equal(EngineFixture.Browser.Ip, request.RequesterIp);
        Assert.Equal(EngineFixture.Browser.UserAgent, request.RequesterUserAgent);
        var push = Assert.Single(pushes);
        Assert.True(push.Scanned);
        Assert.Equal(QrTransactionState.Pending, push.State);
        var view = await Service.GetAsync(created.Id, created.Dsi);
        Assert.True(view!.Scanned);
    }

    [Fact]
    public async Task Approve_MovesPendingToSuccess_RecordsTheUser_AndPushes()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        var pushes = new List<QrTransactionChanged>();
        using var _ = _engine.Notifier.Subscribe(created.Id, c => { pushes.Add(c); return Task.CompletedTask; });

        var result = await Service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: true, "198.51.100.7", "phone");

        Assert.Equal(AttemptResult.Approved, result);
        var view = await Service.GetAsync(created.Id, created.Dsi);
        Assert.Equal(QrTransactionState.Success, view!.State);
        Assert.Equal("user-1", view.UserId);
        Assert.Equal(QrTransactionState.Success, Assert.Single(pushes).State);
    }

    [Fact]
    public async Task Deny_MovesPendingToFailed_AndIsAudited()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        var result = await Service.DenyAsync(created.Lsi, "user-1", "198.51.100.7", "phone");

        Assert.Equal(AttemptResult.Denied, result);
        Assert.Equal(QrTransactionState.Failed, (await Service.GetAsync(created.Id, created.Dsi))!.State);
        await using var db = _engine.Database.CreateDbContext();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrDeny && e.Outcome == AuditOutcomes.Success
            && e.UserId == "user-1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Approve_AfterDeny_IsRefused()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.DenyAsync(created.Lsi, "user-1", null, null);

        var result = await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        Assert.Equal(AttemptResult.NotAvailable, result);
        Assert.Equal(QrTransactionState.Failed, (await Service.GetAsync(created.Id, created.Dsi))!.State);
    }

    [Fact]
    public async Task Approve_Twice_OnlyTheFirstWins()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        var first = await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);
        var second = await Service.ApproveAsync(created.Lsi, "user-2", false, null, null);

        Assert.Equal(AttemptResult.Approved, first);
        Assert.Equal(AttemptResult.NotAvailable, second);
        Assert.Equal("user-1", (await Service.GetAsync(created.Id, created.Dsi))!.UserId);
    }

    [Fact]
    public async Task Approve_RacingInParallel_ExactlyOneWins()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => Service.ApproveAsync(created.Lsi, $"user-{i}", false, null, null))));

        Assert.Single(results, r => r == AttemptResult.Approved);
        Assert.Equal(15, results.Count(r => r == AttemptResult.NotAvailable));
        var winner = Array.IndexOf(results, AttemptResult.Approved);
        Assert.Equal($"user-{winner}", (await Service.GetAsync(created.Id, created.Dsi))!.UserId);
    }

    [Fact]
    public async Task Approve_AfterExpiryOnTheServerClock_IsRefused()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(120));

        Assert.Null(await Service.OpenAsync(created.Lsi, "user-1", null));
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(created.Id, created.Dsi))!.State);
    }

    [Fact]
    public async Task Approve_OneSecondBeforeExpiry_Succeeds()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(119));

        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public async Task AroundItsExpiry_APendingCode_IsEitherAttemptableOrOverdue_NeverBothNorNeither(int secondsFromExpiry)
    {
        // The phone's queries and the sweeper's ask the transaction's own two rules; asked of the
        // database at the instant itself and either side of it, they split pending codes exactly.
        var created = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(120 + secondsFromExpiry));
        var now = _engine.Clock.GetUtcNow();

        await using var db = _engine.Database.CreateDbContext();
        var attemptable = await db.QrTransactions.Where(t => t.Id == created.Id).AnyAsync(QrTransaction.AttemptableAt(now), TestContext.Current.CancellationToken);
        var overdue = await db.QrTransactions.Where(t => t.Id == created.Id).AnyAsync(QrTransaction.OverdueAt(now), TestContext.Current.CancellationToken);

        Assert.NotEqual(attemptable, overdue);
        Assert.Equal(secondsFromExpiry < 0, attemptable);
        Assert.Equal(attemptable, await Service.OpenAsync(created.Lsi, "user-1", null) is not null);
    }

    [Fact]
    public async Task Sweeper_MarksOverdueTimeout_PushesIt_AndLeavesFreshOnesAlone()
    {
        var old = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(100));
        var fresh = await Service.CreateAsync(EngineFixture.Browser);
        var pushes = new List<QrTransactionChanged>();
        using var _ = _engine.Notifier.Subscribe(old.Id, c => { pushes.Add(c); return Task.CompletedTask; });
        _engine.Clock.Advance(TimeSpan.FromSeconds(20));

        var expired = await _engine.Sweeper.ExpireOverdueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, expired);
        Assert.Equal(QrTransactionState.Timeout, (await Service.GetAsync(old.Id, old.Dsi))!.State);
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(fresh.Id, fresh.Dsi))!.State);
        Assert.Equal(QrTransactionState.Timeout, Assert.Single(pushes).State);
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveAsync(old.Lsi, "user-1", false, null, null));
    }

    [Fact]
    public async Task Purge_DeletesFinishedRowsOlderThanRetention_Only()
    {
        var finished = await Service.CreateAsync(EngineFixture.Browser);
        await Service.DenyAsync(finished.Lsi, "user-1", null, null);
        _engine.Clock.Advance(TimeSpan.FromHours(2));
        var recent = await Service.CreateAsync(EngineFixture.Browser);
        await Service.DenyAsync(recent.Lsi, "user-1", null, null);
        var pending = await Service.CreateAsync(EngineFixture.Browser);

        var purged = await _engine.Sweeper.PurgeFinishedAsync(TimeSpan.FromHours(1), TestContext.Current.CancellationToken);

        Assert.Equal(1, purged);
        Assert.Null(await Service.GetAsync(finished.Id, finished.Dsi));
        Assert.NotNull(await Service.GetAsync(recent.Id, recent.Dsi));
        Assert.NotNull(await Service.GetAsync(pending.Id, pending.Dsi));
    }

    [Fact]
    public async Task Get_WithWrongDsi_LooksLikeUnknownId()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.Null(await Service.GetAsync(created.Id, created.Dsi + "x"));
        Assert.Null(await Service.GetAsync(Guid.NewGuid(), created.Dsi));
        Assert.NotNull(await Service.GetAsync(created.Id, created.Dsi));
    }

    [Fact]
    public async Task Ticket_IsIssuedOnlyAfterSuccess_AndOnlyToTheDsiHolder()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.Null(await _engine.Tickets.IssueTicketAsync(created.Id, created.Dsi));
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        Assert.Null(await _engine.Tickets.IssueTicketAsync(created.Id, "wrong-dsi"));
        Assert.NotNull(await _engine.Tickets.IssueTicketAsync(created.Id, created.Dsi));
    }

    [Fact]
    public async Task Ticket_IsConsumedOnce()
    {
        var (created, ticket) = await ApprovedWithTicketAsync(keepSignedIn: true);

        var first = await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null);
        var second = await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null);

        Assert.NotNull(first);
        Assert.Equal("user-1", first.UserId);
        Assert.True(first.KeepSignedIn);
        Assert.Equal(created.Id, first.TransactionId);
        Assert.Null(second);
        Assert.Null(await _engine.Tickets.IssueTicketAsync(created.Id, created.Dsi));
    }

    [Fact]
    public async Task Ticket_FromAnotherBrowser_IsRefused()
    {
        var (_, ticket) = await ApprovedWithTicketAsync();
        var otherBrowser = Secrets.Hash("another browser's cookie");

        Assert.Null(await _engine.Tickets.RedeemTicketAsync(ticket, otherBrowser, null));
        Assert.NotNull(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Ticket_Within30Seconds_IsAccepted()
    {
        var (_, ticket) = await ApprovedWithTicketAsync();
        _engine.Clock.Advance(TimeSpan.FromSeconds(29));

        Assert.NotNull(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Ticket_After30Seconds_IsRefused()
    {
        var (_, ticket) = await ApprovedWithTicketAsync();
        _engine.Clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Null(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Ticket_ReissuedTicket_ReplacesThePreviousOne()
    {
        var (created, oldTicket) = await ApprovedWithTicketAsync();
        var newTicket = await _engine.Tickets.IssueTicketAsync(created.Id, created.Dsi);

        Assert.Null(await _engine.Tickets.RedeemTicketAsync(oldTicket, EngineFixture.Browser.BrowserBindingHash, null));
        Assert.NotNull(await _engine.Tickets.RedeemTicketAsync(newTicket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Cancel_ByTheBrowser_FailsThePendingTransaction()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.False(await Service.CancelAsync(created.Id, "wrong", null));
        Assert.True(await Service.CancelAsync(created.Id, created.Dsi, null));

        Assert.Equal(QrTransactionState.Failed, (await Service.GetAsync(created.Id, created.Dsi))!.State);
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));
    }

    [Fact]
    public async Task EveryStep_IsAudited_WithoutSecrets()
    {
        var (created, ticket) = await ApprovedWithTicketAsync();
        await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, "203.0.113.10");

        await using var db = _engine.Database.CreateDbContext();
        var events = await db.AuditEvents.ToListAsync(TestContext.Current.CancellationToken);
        Assert.Contains(events, e => e.Type == AuditTypes.QrCreate && e.Subject == created.Id.ToString());
        Assert.Contains(events, e => e.Type == AuditTypes.QrScan && e.UserId == "user-1");
        Assert.Contains(events, e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Success);
        Assert.Contains(events, e => e.Type == AuditTypes.QrRedeem && e.Outcome == AuditOutcomes.Success && e.Ip == "203.0.113.10");
        var allText = string.Join("|", events.Select(e => $"{e.Subject} {e.Details} {e.UserId}"));
        Assert.DoesNotContain(created.Lsi, allText);
        Assert.DoesNotContain(created.Dsi, allText);
        Assert.DoesNotContain(ticket, allText);
    }

    private async Task<(NewQrTransaction Created, string Ticket)> ApprovedWithTicketAsync(bool keepSignedIn = false)
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.OpenAsync(created.Lsi, "user-1", null);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", keepSignedIn, null, null));
        var ticket = await _engine.Tickets.IssueTicketAsync(created.Id, created.Dsi);
        Assert.NotNull(ticket);
        return (created, ticket);
    }
}
