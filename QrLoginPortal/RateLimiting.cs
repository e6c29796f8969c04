using System.Threading.RateLimiting;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal;

/// <summary>
/// The rate limiter every feature's policies share: how a refusal is answered (429 with Retry-After,
/// never a re-executed error page), and the per-address fixed window most policies use. Each feature
/// registers its own policies beside its endpoints.
/// </summary>
public static class RateLimiting
{
    public static IHostApplicationBuilder AddPortalRateLimiter(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? (int)Math.Ceiling(retryAfter.TotalSeconds)
                    : 60;
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // A 429 is the answer, not a page to re-execute (which a POST could not even reach).
                context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync($"Too many sign-in attempts from this address. Try again in {Plural.Of(seconds, "second")}.", ct);
            };
        });
        return builder;
    }

    /// <summary>
    /// A policy of <paramref name="permitsPerMinute"/> requests per client address (IPv6 per /64) and minute, counted in
    /// <see cref="ILimitCounters"/>: in memory on one node, in the shared table with PostgreSQL, so several nodes share
    /// one budget per address instead of one each.
    /// </summary>
    public static void AddPerAddressPolicy(this Microsoft.AspNetCore.RateLimiting.RateLimiterOptions options, string policy, int permitsPerMinute) =>
        options.AddPolicy(policy, context => RateLimitPartition.Get(
            context.ClientLimitKey(),
            address => new CountedWindowLimiter($"rate|{policy}|{address}", permitsPerMinute, TimeSpan.FromMinutes(1),
                context.RequestServices.GetRequiredService<ILimitCounters>(), context.RequestServices.GetRequiredService<TimeProvider>())));
}

/// <summary>
/// A fixed window of <paramref name="permits"/> per <paramref name="window"/> for one key, counted in <see cref="ILimitCounters"/>
/// (one counter write per request: the count comes back with the write, so nodes racing each see their own place).
/// Refused requests are counted too; that does not lengthen the window, which ends where it started plus
/// <paramref name="window"/>.
/// </summary>
public sealed class CountedWindowLimiter(string key, int permits, TimeSpan window, ILimitCounters counters, TimeProvider clock) : RateLimiter
{
    private long _lastUsed = clock.GetTimestamp();

    // The partitioned limiter drops a key's limiter once idle, so a spray of addresses does not pile up limiters.
    public override TimeSpan? IdleDuration => clock.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        // The middleware asks for one permit a request; a count of several would need counting by more than one.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, 1);
        Interlocked.Exchange(ref _lastUsed, clock.GetTimestamp());
        if (permitCount == 0)
        {
            return counters.RetryAfter(key, permits, window) is { } wait ? new Refused(wait) : Granted.Instance;
        }

        // This request is counted first: it is refused when its own place is past the permits.
        var counted = counters.Add(key, window);
        return counted.Count <= permits ? Granted.Instance : new Refused(counted.Left);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Granted : RateLimitLease
    {
        public static readonly Granted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class Refused(TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}
