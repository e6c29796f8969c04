using System.Threading.RateLimiting;

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

    /// <summary>A policy of <paramref name="permitsPerMinute"/> requests per client address (IPv6 per /64) and minute.</summary>
    public static void AddPerAddressPolicy(this Microsoft.AspNetCore.RateLimiting.RateLimiterOptions options, string policy, int permitsPerMinute) =>
        options.AddPolicy(policy, context => RateLimitPartition.GetFixedWindowLimiter(
            context.ClientLimitKey(),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
}
