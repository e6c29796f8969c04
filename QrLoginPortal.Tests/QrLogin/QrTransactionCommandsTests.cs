using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// The approval's and the redemption's statements are written in SQL once (<see cref="QrTransactionCommands"/>, issue 16),
/// beside the transaction's rules written as LINQ expressions: these ask both of the same rows, on each database, and
/// check every column the statements write and the audit rows they commit with.
/// </summary>
public sealed class QrTransactionCommandsTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;

    public void Dispose() => _engine.Dispose();

    private static readonly QrTransactionState[] States = Enum.GetValues<QrTransactionState>();

    /// <summary>One row per state that expires a second before, at and a second after <paramref name="now"/>, each with its own lsi.</summary>
    private async Task<List<(string Lsi, Guid Id)>> AddEveryStateAroundExpiryAsync(DateTimeOffset now)
    {
        var rows = new List<(string Lsi, Guid Id)>();
        await using var db = _engine.Database.CreateDbContext();
        foreach (var state in States)
        {
            foreach (var secondsLeft in new[] { -1, 0, 1 })
            {
                var lsi = $"lsi-{state}-{secondsLeft}";
                var row = Row(state, expiresAt: now.AddSeconds(secondsLeft), lsi);
                db.QrTransactions.Add(row);
                rows.Add((lsi, row.Id));
            }
        }

        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return rows;
    }

    [Fact]
    public async Task Approve_MovesExactlyTheRowsTheAttemptableRuleNames()
    {
        var now = _engine.Clock.GetUtcNow();
        var rows = await AddEveryStateAroundExpiryAsync(now);

        foreach (var (lsi, id) in rows)
        {
            var attemptable = await AskAsync(id, QrTransaction.AttemptableAt(now));

            var result = await Service.ApproveAsync(lsi, "user-1", false, null, null);

            Assert.Equal(attemptable ? AttemptResult.Approved : AttemptResult.NotAvailable, result);
        }

        // Of the twelve, only the pending row whose time is not up.
        await using var check = _engine.Database.CreateDbContext();
        Assert.Equal(1, await check.QrTransactions.CountAsync(t => t.State == QrTransactionState.Success && t.UserId == "user-1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Open_ShowsAndMarksExactlyTheRowsTheAttemptableRuleNames()
    {
        var now = _engine.Clock.GetUtcNow();
        var rows = await AddEveryStateAroundExpiryAsync(now);

        foreach (var (lsi, id) in rows)
        {
            var attemptable = await AskAsync(id, QrTransaction.AttemptableAt(now));

            var shown = await Service.OpenAsync(lsi, "user-1", null);

            Assert.Equal(attemptable, shown is not null);
            Assert.Equal(attemptable ? now : null, (await RowAsync(id)).ScannedAt);
        }
    }

    [Fact]
    public async Task Open_ShowsWhatTheRowHolds()
    {
        var settings = await _engine.Settings.GetAsync(TestContext.Current.CancellationToken);
        settings.NumberMatching = true;
        Assert.Empty(await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: TestContext.Current.CancellationToken));
        var created = await Service.CreateAsync(EngineFixture.Browser with { SignInPage = true });
        _engine.Clock.Advance(TimeSpan.FromSeconds(3));

        var shown = await Service.OpenAsync(created.Lsi, "user-1", null);
        var again = await Service.OpenAsync(created.Lsi, "user-1", null);

        Assert.NotNull(shown);
        Assert.Equal((created.Id, EngineFixture.Browser.Ip, EngineFixture.Browser.UserAgent, created.CreatedAt, created.ExpiresAt),
            (shown.Id, shown.RequesterIp, shown.RequesterUserAgent, shown.CreatedAt, shown.ExpiresAt));
        Assert.Contains(created.MatchNumber!.Value, shown.NumberChoices!);
        Assert.Equal(3, shown.NumberChoices!.Count);
        Assert.Equal(shown.NumberChoices, again!.NumberChoices);
        Assert.Equal(created.CreatedAt.AddSeconds(3), (await RowAsync(created.Id)).ScannedAt);
    }

    [Fact]
    public async Task Redeem_ConsumesExactlyTheRowsTheTicketRulesName()
    {
        var now = _engine.Clock.GetUtcNow();
        var binding = EngineFixture.Browser.BrowserBindingHash!;
        var rows = new List<(string Ticket, Guid Id)>();
        await using (var db = _engine.Database.CreateDbContext())
        {
            foreach (var state in States)
            {
                foreach (var consumed in new[] { false, true })
                {
                    foreach (int? secondsLeft in new int?[] { null, -1, 0, 1 })
                    {
                        var ticket = $"ticket-{state}-{consumed}-{secondsLeft}";
                        var row = Row(state, now.AddSeconds(60));
                        row.TicketHash = Secrets.Hash(ticket);
                        row.TicketExpiresAt = secondsLeft is { } s ? now.AddSeconds(s) : null;
                        row.ConsumedAt = consumed ? now.AddSeconds(-5) : null;
                        row.UserId = "user-1";
                        db.QrTransactions.Add(row);
                        rows.Add((ticket, row.Id));
                    }
                }
            }

            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var redeemed = 0;
        foreach (var (ticket, id) in rows)
        {
            var redeemable = await AskAsync(id, t => t.State == QrTransactionState.Success && t.ConsumedAt == null && t.TicketExpiresAt > now);

            var result = await _engine.Tickets.RedeemTicketAsync(ticket, binding, null);

            Assert.Equal(redeemable, result is not null);
            if (result is not null)
            {
                redeemed++;
                Assert.Equal(id, result.TransactionId);
            }
        }

        Assert.Equal(1, redeemed);
    }

    [Fact]
    public async Task Approve_WritesWhoWhereAndTheTicketsClock_AndKeepsAnEarlierScan()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(5));
        var scannedAt = _engine.Clock.GetUtcNow();
        await Service.OpenAsync(created.Lsi, "user-1", null);
        _engine.Clock.Advance(TimeSpan.FromSeconds(5));
        var approvedAt = _engine.Clock.GetUtcNow();
        // The address is the connection's (at most 45 characters); the user agent is the phone's to choose.
        var ip = "2001:db8:85a3::8a2e:370:7334";
        var longAgent = new string('a', 600);

        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: true, ip, longAgent));

        var row = await RowAsync(created.Id);
        Assert.Equal(QrTransactionState.Success, row.State);
        Assert.Equal("user-1", row.UserId);
        Assert.True(row.KeepSignedIn);
        Assert.Equal(ip, row.ApproverIp);
        Assert.Equal(longAgent[..512], row.ApproverUserAgent);
        Assert.Equal(scannedAt, row.ScannedAt);
        Assert.Equal(approvedAt, row.UpdatedAt);
        Assert.Equal(approvedAt + QrLoginDefaults.TicketLifetime, row.TicketExpiresAt);
        Assert.Null(row.ConsumedAt);
    }

    [Fact]
    public async Task Deny_WithoutAScan_StampsTheScanAndLeavesNoTicketClock()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        _engine.Clock.Advance(TimeSpan.FromSeconds(7));
        var deniedAt = _engine.Clock.GetUtcNow();

        Assert.Equal(AttemptResult.Denied, await Service.DenyAsync(created.Lsi, "user-2", "198.51.100.9", "phone"));

        var row = await RowAsync(created.Id);
        Assert.Equal(QrTransactionState.Failed, row.State);
        Assert.Equal("user-2", row.UserId);
        Assert.False(row.KeepSignedIn);
        Assert.Equal("198.51.100.9", row.ApproverIp);
        Assert.Equal("phone", row.ApproverUserAgent);
        Assert.Equal(deniedAt, row.ScannedAt);
        Assert.Equal(deniedAt, row.UpdatedAt);
        Assert.Null(row.TicketExpiresAt);
        Assert.Null(await _engine.Tickets.RedeemTicketAsync(created.Ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Redeem_RacingInParallel_ExactlyOneWins_AndIsAuditedOnce()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Task.Run(() => _engine.Tickets.RedeemTicketAsync(created.Ticket, EngineFixture.Browser.BrowserBindingHash, "203.0.113.10"))));

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(created.Id, winner!.TransactionId);
        Assert.Equal("user-1", winner.UserId);
        await using var db = _engine.Database.CreateDbContext();
        var redeems = await db.AuditEvents.Where(e => e.Type == AuditTypes.QrRedeem).ToListAsync(TestContext.Current.CancellationToken);
        var success = Assert.Single(redeems, e => e.Outcome == AuditOutcomes.Success);
        Assert.Equal(("user-1", created.Id.ToString(), "203.0.113.10"), (success.UserId, success.Subject, success.Ip));
        Assert.Equal(11, redeems.Count(e => e.Outcome == AuditOutcomes.Refused));
    }

    [Fact]
    public async Task Redeem_WithTheRightTicketFromAnotherBrowser_IsRefusedAudited_AndConsumesNothing()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));

        Assert.Null(await _engine.Tickets.RedeemTicketAsync(created.Ticket, Secrets.Hash("another browser's cookie"), "192.0.2.66"));

        Assert.Null((await RowAsync(created.Id)).ConsumedAt);
        await using var db = _engine.Database.CreateDbContext();
        var refused = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrRedeem, TestContext.Current.CancellationToken);
        Assert.Equal((AuditOutcomes.Refused, (string?)null, (string?)null, "192.0.2.66", "unknown, expired, used or foreign ticket"),
            (refused.Outcome, refused.UserId, refused.Subject, refused.Ip, refused.Details));
    }

    [Fact]
    public async Task Claim_ByTheDsiHolder_ConsumesOnce_WithItsAuditRow()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser with { BrowserBindingHash = null });
        Assert.Null(await _engine.Tickets.ClaimAsync(created.Id, created.Dsi, null));
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: true, null, null));

        Assert.Null(await _engine.Tickets.ClaimAsync(created.Id, "wrong-dsi", null));
        var claimed = await _engine.Tickets.ClaimAsync(created.Id, created.Dsi, "192.0.2.7");
        var again = await _engine.Tickets.ClaimAsync(created.Id, created.Dsi, "192.0.2.7");

        Assert.Equal(new RedeemedTicket(created.Id, "user-1", true), claimed);
        Assert.Null(again);
        Assert.Equal(_engine.Clock.GetUtcNow(), (await RowAsync(created.Id)).ConsumedAt);
        await using var db = _engine.Database.CreateDbContext();
        var audit = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrRedeem, TestContext.Current.CancellationToken);
        Assert.Equal((AuditOutcomes.Success, "user-1", created.Id.ToString(), "192.0.2.7", "claimed by an API client"),
            (audit.Outcome, audit.UserId, audit.Subject, audit.Ip, audit.Details));
    }

    private QrTransaction Row(QrTransactionState state, DateTimeOffset expiresAt, string? lsi = null)
    {
        var now = _engine.Clock.GetUtcNow();
        return new QrTransaction
        {
            Id = Guid.NewGuid(),
            LsiHash = Secrets.Hash(lsi ?? Secrets.NewToken()),
            DsiHash = Secrets.Hash(Secrets.NewToken()),
            State = state,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = expiresAt,
            BrowserBindingHash = EngineFixture.Browser.BrowserBindingHash,
        };
    }

    private async Task<bool> AskAsync(Guid id, Expression<Func<QrTransaction, bool>> rule)
    {
        await using var db = _engine.Database.CreateDbContext();
        return await db.QrTransactions.Where(t => t.Id == id).AnyAsync(rule, TestContext.Current.CancellationToken);
    }

    private async Task<QrTransaction> RowAsync(Guid id)
    {
        await using var db = _engine.Database.CreateDbContext();
        return await db.QrTransactions.AsNoTracking().SingleAsync(t => t.Id == id, TestContext.Current.CancellationToken);
    }
}
