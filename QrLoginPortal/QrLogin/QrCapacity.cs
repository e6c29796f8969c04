using Microsoft.Extensions.Options;

namespace QrLoginPortal.QrLogin;

/// <summary>Thrown when the portal as a whole holds or makes as many codes as it may: new sign-ins wait, pending ones go on.</summary>
public sealed class QrLoginBusyException(TimeSpan retryAfter)
    : InvalidOperationException("The portal is busy: too many sign-in codes at once.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Portal-wide caps on new codes: how many may be pending at once and how many may be made per
/// minute, whatever the number of addresses asking (per-address limits alone let a few hundred
/// addresses fill the database). Only creation is refused; nothing already pending is touched.
/// </summary>
/// <param name="countsAlone">
/// This node is the only one that makes codes (SQLite): a code becomes pending only through
/// <see cref="ReserveAsync"/> here, so the last count plus the codes reserved since is an upper bound of the
/// pending codes, and the database is counted only when that bound reaches the cap. With other nodes
/// on the database (PostgreSQL) every reservation counts, as their codes are not seen here.
/// </param>
public sealed class QrCapacity(AttemptLimiter created, IOptions<QrLoginOptions> options, bool countsAlone = false)
{
    public const string Creations = "qr-created";

    /// <summary>The portal-wide creation limit, from <see cref="QrLoginOptions.CreatedPerMinute"/>.</summary>
    public static AttemptLimits LimitsOf(QrLoginOptions o) => new(o.CreatedPerMinute, TimeSpan.FromMinutes(1));

    /// <summary>What a refused caller is told to wait when the pending cap is hit (codes expire or finish continually).</summary>
    public static readonly TimeSpan PendingRetryAfter = TimeSpan.FromSeconds(10);

    private static readonly LimitedAttempt WholePortal = new("*", Address: null);

    private readonly Lock _bound = new();

    // With countsAlone: at least as many as are pending now (the last count and every reservation since); -1 before the first count.
    private int _pendingAtMost = -1;

    /// <summary>
    /// Counts one new code, or refuses it when the pending codes (<paramref name="countPending"/>, asked only when
    /// needed) or this minute's creations are at their cap.
    /// </summary>
    /// <exception cref="QrLoginBusyException">The portal is at a cap.</exception>
    public async Task ReserveAsync(Func<CancellationToken, Task<int>> countPending, CancellationToken ct = default)
    {
        var max = options.Value.MaxPending;
        if (!TryReserveBelow(max))
        {
            var pending = await countPending(ct);
            if (pending >= max)
            {
                throw new QrLoginBusyException(PendingRetryAfter);
            }

            lock (_bound)
            {
                _pendingAtMost = pending + 1;
            }
        }

        if (created.RetryAfter(WholePortal) is { } wait)
        {
            throw new QrLoginBusyException(wait);
        }

        created.Record(WholePortal);
    }

    /// <summary>Reserves a place without counting when this node alone makes codes and the upper bound stays under <paramref name="max"/>.</summary>
    private bool TryReserveBelow(int max)
    {
        if (!countsAlone)
        {
            return false;
        }

        lock (_bound)
        {
            if (_pendingAtMost < 0 || _pendingAtMost >= max)
            {
                return false;
            }

            _pendingAtMost++;
            return true;
        }
    }
}
