using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using QrLoginPortal.Accounts;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// The engine's approvals, tickets and redemptions run on contexts whose connections stay open between operations
/// (issue 16: opening and closing a pooled SQLite connection took about a quarter of each step's CPU); a context
/// is only reused when its operation left nothing behind.
/// </summary>
public sealed class OpenContextsTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private readonly OpenedConnections _opened = new();
    private readonly PooledDbContextFactory<ApplicationDbContext> _factory;

    public OpenContextsTests() =>
        _factory = _engine.FactoryWith(_opened);

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task AWholeApproval_AfterTheFirst_OpensNoConnection()
    {
        using var service = _engine.ServiceOn(_factory);
        using var tickets = new QrTicketService(_factory, _engine.Settings, _engine.Audit, _engine.Clock);
        await ApproveAndRedeemAsync(service, tickets);
        var openedByTheFirst = _opened.Count;

        await ApproveAndRedeemAsync(service, tickets);
        await ApproveAndRedeemAsync(service, tickets);

        Assert.True(openedByTheFirst > 0);
        Assert.Equal(openedByTheFirst, _opened.Count);
    }

    [Fact]
    public async Task AContextReturnedUnchanged_IsRentedAgain_WithItsConnectionOpen()
    {
        using var contexts = new OpenContexts(_factory);
        ApplicationDbContext first;
        await using (var lease = await contexts.RentAsync(TestContext.Current.CancellationToken))
        {
            first = lease.Db;
        }

        await using var again = await contexts.RentAsync(TestContext.Current.CancellationToken);
        Assert.Same(first, again.Db);
        Assert.Equal(System.Data.ConnectionState.Open, again.Db.Database.GetDbConnection().State);
        Assert.Equal(1, _opened.Count);
    }

    [Fact]
    public async Task AContextReturnedWithATransactionOpen_OrSomethingTracked_IsClosed_NotRentedAgain()
    {
        using var contexts = new OpenContexts(_factory);
        await using (var lease = await contexts.RentAsync(TestContext.Current.CancellationToken))
        {
            // An operation that failed before it ended its transaction.
            await lease.Db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, contexts.Idle);
        await using (var lease = await contexts.RentAsync(TestContext.Current.CancellationToken))
        {
            Assert.Null(lease.Db.Database.CurrentTransaction);
            lease.Db.AuditEvents.Add(new() { Type = "test", Outcome = "test" });
        }

        Assert.Equal(0, contexts.Idle);
        Assert.Equal(2, _opened.Count);
    }

    [Fact]
    public async Task ALeaseDisposedTwice_IsHandedBackOnce()
    {
        using var contexts = new OpenContexts(_factory);
        var lease = await contexts.RentAsync(TestContext.Current.CancellationToken);
        await lease.DisposeAsync();
        await lease.DisposeAsync();

        Assert.Equal(1, contexts.Idle);
    }

    private static async Task ApproveAndRedeemAsync(QrLoginService service, QrTicketService tickets)
    {
        var created = await service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: false, "198.51.100.1", "phone"));
        var ticket = await tickets.IssueTicketAsync(created.Id, created.Dsi);
        Assert.NotNull(await tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, "203.0.113.10"));
    }
}
