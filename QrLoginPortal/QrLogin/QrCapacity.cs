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
public sealed class QrCapacity([FromKeyedServices(QrCapacity.Creations)] AttemptLimiter created, IOptions<QrLoginOptions> options)
{
    public const string Creations = "qr-created";

    /// <summary>The portal-wide creation limit, from <see cref="QrLoginOptions.CreatedPerMinute"/>.</summary>
    public static AttemptLimits LimitsOf(QrLoginOptions o) => new(o.CreatedPerMinute, TimeSpan.FromMinutes(1));

    /// <summary>What a refused caller is told to wait when the pending cap is hit (codes expire or finish continually).</summary>
    public static readonly TimeSpan PendingRetryAfter = TimeSpan.FromSeconds(10);

    private static readonly LimitedAttempt WholePortal = new("*", Address: null);

    /// <summary>Counts one new code, or refuses it when <paramref name="pending"/> or this minute's creations are at their cap.</summary>
    /// <exception cref="QrLoginBusyException">The portal is at a cap.</exception>
    public void Reserve(int pending)
    {
        if (pending >= options.Value.MaxPending)
        {
            throw new QrLoginBusyException(PendingRetryAfter);
        }

        if (created.RetryAfter(WholePortal) is { } wait)
        {
            throw new QrLoginBusyException(wait);
        }

        created.Record(WholePortal);
    }
}
