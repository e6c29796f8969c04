using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.Api;
using QrLoginPortal.Badges;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class ExpiringStoreTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

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

    [Fact]
    public void OnlyOneOfTwoRacingChanges_Wins_AndNothingChangesOnceExpired()
    {
        var store = new InMemoryExpiringStore<string, string>(_clock);
        store.Add("k", "v1", TimeSpan.FromMinutes(1));

        Assert.True(store.TryReplace("k", "v1", "v2"));
        Assert.False(store.TryReplace("k", "v1", "v3"));
        Assert.False(store.TryRemove("k", "v1"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(store.TryReplace("k", "v2", "v4"));
        Assert.False(store.TryRemove("k", "v2"));
        Assert.False(store.TryGet("k", out _));
    }
}
