using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Api;

/// <summary>An "authenticator client" in IBM's words: the registration profile a QR transaction belongs to.</summary>
public sealed class RegistrationProfile
{
    public const string DefaultId = QrLogin.QrLoginDefaults.ProfileId;
    public const string DefaultName = "Default profile";

    public required string Id { get; init; }
    public required string Name { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// Which registration profiles API clients may name, from memory: every new API code names one, and asking the
/// database each time cost every create a query of its own. A profile created, enabled or disabled on this node is
/// in force at once (<see cref="Admin.ProfileAdmin"/> calls <see cref="Changed"/>); one changed on another node sharing
/// the database within <see cref="RecheckAfter"/>, as the QR settings are (<see cref="QrLogin.CachedRow{T}"/>).
/// </summary>
public sealed class RegistrationProfiles(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>How old the set may get before it is read again: a change saved on another node is in force here within this time.</summary>
    public static readonly TimeSpan RecheckAfter = QrLogin.CachedRow<RegistrationProfile>.RecheckAfter;

    private volatile Snapshot? _snapshot;

    // Bumped by every change on this node: a read that began before the change must not put its older set back.
    private long _generation;

    /// <summary>Whether API clients may name <paramref name="profileId"/> when they ask for a QR code.</summary>
    public async Task<bool> IsEnabledAsync(string profileId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var snapshot = _snapshot;
        if (snapshot is null || now - snapshot.ReadAt >= RecheckAfter || now < snapshot.ReadAt)
        {
            var generation = Interlocked.Read(ref _generation);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            // The whole set, not one id at a time: a caller naming made-up ids cannot grow it.
            var enabled = await db.RegistrationProfiles.AsNoTracking().Where(p => p.Enabled).Select(p => p.Id).ToListAsync(ct);
            snapshot = new Snapshot(enabled.ToFrozenSet(StringComparer.Ordinal), now);
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshot = snapshot;
            }
        }

        return snapshot.Enabled.Contains(profileId);
    }

    /// <summary>A profile was created, enabled or disabled on this node: the next question reads the database.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    private sealed record Snapshot(FrozenSet<string> Enabled, DateTimeOffset ReadAt);
}
