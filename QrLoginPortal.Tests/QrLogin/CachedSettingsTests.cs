using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Badges;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>Two nodes on one database: each caches the settings row, and a save on one is in force on the other.</summary>
public sealed class CachedSettingsTests : IDisposable
{
    private readonly EngineFixture _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task QrSettingsSavedOnAnotherNode_AreInForceHere_WithinTheRecheckTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var here = _engine.Settings;
        var otherNode = new QrSettingsStore(_engine.Database, _engine.Audit, _engine.Clock);
        Assert.True((await here.GetAsync(ct)).Enabled);
        var off = await otherNode.GetAsync(ct);
        off.Enabled = false;
        _engine.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(await otherNode.UpdateAsync(off, "admin", "admin", null, ct: ct));
        _engine.Clock.Advance(CachedRow<QrSettings>.RecheckAfter);

        Assert.False((await here.GetAsync(ct)).Enabled);
        Assert.False((await otherNode.GetAsync(ct)).Enabled);
    }

    [Fact]
    public async Task ABadgePolicySavedOnAnotherNode_IsInForceHere_WithinTheRecheckTime()
    {
        var ct = TestContext.Current.CancellationToken;
        BadgePolicyStore Node() => new(_engine.Database, _engine.Audit, _engine.Clock);
        var here = Node();
        var otherNode = Node();
        Assert.False((await here.GetAsync(ct)).Enabled);
        _engine.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(await otherNode.UpdateAsync(new BadgePolicy { Enabled = true }, "admin", "admin", null, ct));
        _engine.Clock.Advance(CachedRow<BadgePolicy>.RecheckAfter);

        Assert.True((await here.GetAsync(ct)).Enabled);
    }

    [Fact]
    public async Task AnUnchangedRow_IsNotReadAgain_OnlyItsVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Empty(await _engine.Settings.UpdateAsync(await _engine.Settings.GetAsync(ct), "admin", "admin", null, ct: ct));
        await using (var db = _engine.Database.CreateDbContext())
        {
            // Changed behind the store's back without a new version: a cached copy that only re-reads on a new version keeps its own.
            Assert.Equal(1, await db.QrSettings.ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpirySeconds, 333), ct));
        }

        _engine.Clock.Advance(CachedRow<QrSettings>.RecheckAfter);

        Assert.NotEqual(333, (await _engine.Settings.GetAsync(ct)).ExpirySeconds);
    }
}
