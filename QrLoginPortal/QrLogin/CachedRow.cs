using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// A single settings row (the QR settings, the badge policy) served from memory, yet never stale for
/// long when another node saves it: once the copy is older than <see cref="RecheckAfter"/>, one cheap
/// query of the row's version (its <c>UpdatedAt</c>) decides whether to read the row again. A save on
/// this node replaces the copy at once.
/// </summary>
/// <param name="row">The row's table; the row is the one with the singleton id, or <paramref name="defaults"/> when there is none yet.</param>
/// <param name="copy">A copy the caller may change freely (the cached one is never handed out).</param>
public sealed class CachedRow<T>(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    Func<ApplicationDbContext, IQueryable<T>> row,
    Expression<Func<T, DateTimeOffset>> version,
    Func<T> defaults,
    Func<T, T> copy,
    TimeProvider clock) where T : class
{
    /// <summary>
    /// How stale a copy may get before the version is asked again: a change saved on another node is in
    /// force here within this time; on one node a save is in force at once. One version query per second
    /// per node costs nothing measurable, where asking on every use would add a query to every new code.
    /// </summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(1);

    private readonly Func<T, DateTimeOffset> _versionOf = version.Compile();
    private volatile Snapshot? _snapshot;

    /// <summary>The row in force (a copy the caller may change).</summary>
    public async Task<T> GetAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var snapshot = _snapshot;
        if (snapshot is not null && now - snapshot.CheckedAt < RecheckAfter)
        {
            return copy(snapshot.Value);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (snapshot is not null)
        {
            var stored = await row(db).AsNoTracking().Select(version).Select(v => (DateTimeOffset?)v).SingleOrDefaultAsync(ct);
            if ((stored ?? _versionOf(defaults())) == snapshot.Version)
            {
                _snapshot = snapshot with { CheckedAt = now };
                return copy(snapshot.Value);
            }
        }

        var current = await row(db).AsNoTracking().SingleOrDefaultAsync(ct) ?? defaults();
        _snapshot = new Snapshot(current, _versionOf(current), now);
        return copy(current);
    }

    /// <summary>This node saved <paramref name="saved"/>: it is in force from now on.</summary>
    public void Set(T saved) => _snapshot = new Snapshot(copy(saved), _versionOf(saved), clock.GetUtcNow());

    private sealed record Snapshot(T Value, DateTimeOffset Version, DateTimeOffset CheckedAt);
}
