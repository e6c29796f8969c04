using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.Api;
using QrLoginPortal.Badges;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class ExpiringStoreTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    // The key ring every node shares (in the portal, the database's own).
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly Lazy<TestDatabase> _database = new(() => new TestDatabase());

    [Fact]
    public void AnExpiredAuthnFlow_LeavesMemory_AtTheNextStart()
    {
        // Before, expired flows stayed in memory until 10,000 of them had piled up.
        var store = new InMemoryExpiringStore<Guid, AuthnFlow>(_clock);
        var flows = new AuthnFlows(store, _clock);
        var old = flows.Start(new byte[32]);
        _clock.Advance(AuthnFlows.Lifetime);

        flows.Start(new byte[32]);

        Assert.Null(flows.Find(old.Id.ToString()));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void APrintSheet_LastsItsLifetime_ForItsOwnerOnly_AndThenLeavesMemory()
    {
        var store = new InMemoryExpiringStore<string, PrintJob>(_clock);
        var jobs = new BadgePrintJobs(store);
        var id = jobs.Create("admin-1", [new PrintableBadge("u", "U", null, "QRB1-X", "X", null)]);

        Assert.NotNull(jobs.Get(id, "admin-1"));
        Assert.Null(jobs.Get(id, "admin-2"));
        _clock.Advance(BadgePrintJobs.Lifetime);
        Assert.Null(jobs.Get(id, "admin-1"));
        Assert.Equal(0, store.Count);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("database")]
    public void OnlyOneOfTwoRacingChanges_Wins_AndNothingChangesOnceExpired(string kind)
    {
        var store = Store<string, string>(kind);
        store.Add("k", "v1", TimeSpan.FromMinutes(1));

        Assert.True(store.TryReplace("k", "v1", "v2"));
        Assert.False(store.TryReplace("k", "v1", "v3"));
        Assert.False(store.TryRemove("k", "v1"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(store.TryReplace("k", "v2", "v4"));
        Assert.False(store.TryRemove("k", "v2"));
        Assert.False(store.TryGet("k", out _));
    }

    [Fact]
    public void AnEntryMadeOnOneNode_IsFoundAndChangedOnAnother_AndTheLoserOfARaceThereSeesIt()
    {
        var nodeA = Store<Guid, AuthnFlow>("database");
        var nodeB = Store<Guid, AuthnFlow>("database");
        var flow = new AuthnFlows(nodeA, _clock).Start(new byte[32]);

        var onB = new AuthnFlows(nodeB, _clock).Find(flow.Id.ToString());
        Assert.Equal(flow.Id, onB?.Id);
        Assert.True(nodeB.TryReplace(flow.Id, flow, flow with { UserId = "user-1" }));
        Assert.False(nodeA.TryReplace(flow.Id, flow, flow with { UserId = "user-2" }));
        Assert.True(nodeA.TryGet(flow.Id, out var seenOnA));
        Assert.Equal("user-1", seenOnA.UserId);
    }

    [Fact]
    public void APrintSheetMadeOnOneNode_OpensOnAnother_AndItsBadgeCodesAreNotStoredInClear()
    {
        var nodeA = new BadgePrintJobs(Store<string, PrintJob>("database"));
        var nodeB = new BadgePrintJobs(Store<string, PrintJob>("database"));
        var id = nodeA.Create("admin-1", [new PrintableBadge("u", "U", null, "QRB1-SECRET-CODE", "X", null)]);

        Assert.Equal("QRB1-SECRET-CODE", nodeB.Get(id, "admin-1")?.Single().QrContent);
        Assert.Null(nodeB.Get(id, "admin-2"));
        using var db = _database.Value.CreateDbContext();
        var stored = db.ExpiringEntries.Single().Value;
        Assert.Equal(-1, stored.AsSpan().IndexOf("QRB1-SECRET-CODE"u8));
    }

    [Fact]
    public void InTheDatabase_ExpiredEntriesAreDeleted_AsNewOnesAreAdded()
    {
        var store = Store<string, string>("database");
        store.Add("old", "v", TimeSpan.FromMinutes(1));
        _clock.Advance(TimeSpan.FromMinutes(2));

        store.Add("new", "v", TimeSpan.FromMinutes(1));

        using var db = _database.Value.CreateDbContext();
        Assert.Equal(["new"], db.ExpiringEntries.Select(e => e.Key).ToList());
    }

    private IExpiringStore<TKey, TValue> Store<TKey, TValue>(string kind) where TKey : notnull => kind == "memory"
        ? new InMemoryExpiringStore<TKey, TValue>(_clock)
        : new DatabaseExpiringStore<TKey, TValue>(_database.Value, _keys, _clock);

    public void Dispose()
    {
        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }
    }
}
