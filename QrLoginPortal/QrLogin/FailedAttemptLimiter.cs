namespace QrLoginPortal.QrLogin;

/// <summary>Thrown when QR attempts or new codes are refused for a while because of too many.</summary>
public sealed class QrAttemptsThrottledException(TimeSpan retryAfter)
    : InvalidOperationException("Too many QR sign-in attempts.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Who tried a code: a signed-in user from an address, or an API client (an authenticator backend)
/// naming the user it vouches for. Failures count against the source, never against a user named by someone else.
/// </summary>
public sealed record AttemptSource(string UserId, string? Ip, string? ApiClientId = null);

/// <summary>
/// Failed lsi look-ups (codes that match no transaction) and new codes, on the portal's one
/// <see cref="AttemptLimiter"/> in three uses: a signed-in user at an address (and the address, whatever the
/// users), an API client, and new codes per requesting address. Users and API clients spend the one portal-wide
/// budget. A guesser with one account hits the per-user limit, one address with many accounts the per-address
/// limit, many addresses together the global budget. Lives in the engine so every caller (phone page, API)
/// shares the same counters.
/// </summary>
public sealed class FailedAttemptLimiter(
    [FromKeyedServices(FailedAttemptLimiter.UserAttempts)] AttemptLimiter users,
    [FromKeyedServices(FailedAttemptLimiter.ApiClientAttempts)] AttemptLimiter apiClients,
    [FromKeyedServices(FailedAttemptLimiter.Creations)] AttemptLimiter creations)
{
    public const string UserAttempts = "qr-attempts-user";
    public const string ApiClientAttempts = "qr-attempts-api-client";
    public const string Creations = "qr-created-per-ip";

    // Both sources of wrong codes spend this one budget across the portal.
    private const string PortalBudget = "qr-attempts";
    private const string WholePortal = "*";

    /// <summary>The limits of each use, from <see cref="QrLoginOptions"/>.</summary>
    public static AttemptLimits LimitsOf(string use, QrLoginOptions o) => use switch
    {
        UserAttempts => new(o.FailedAttemptsPerUser, TimeSpan.FromMinutes(15), PerAddress: o.FailedAttemptsPerIp,
            Shared: o.FailedAttemptsPerHour, SharedWindow: TimeSpan.FromHours(1), SharedBudget: PortalBudget),
        ApiClientAttempts => new(o.FailedAttemptsPerApiClient, TimeSpan.FromMinutes(15),
            Shared: o.FailedAttemptsPerHour, SharedWindow: TimeSpan.FromHours(1), SharedBudget: PortalBudget),
        Creations => new(o.CreatedPerMinutePerIp, TimeSpan.FromMinutes(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(use), use, "Not a use of the QR attempt limiter."),
    };

    /// <summary>The three limiters over <paramref name="counters"/> (engine-only tests and benchmarks wire it by hand).</summary>
    public static FailedAttemptLimiter Create(ILimitCounters counters, QrLoginOptions options)
    {
        AttemptLimiter Use(string name) => new(name, () => LimitsOf(name, options), counters);
        return new FailedAttemptLimiter(Use(UserAttempts), Use(ApiClientAttempts), Use(Creations));
    }

    /// <summary>
    /// Refuses a source that used up its own failed attempts, or that has failed at all while the
    /// portal-wide budget is spent. Sources without a failure of their own are never held up by the
    /// budget, so a spray of guesses cannot lock honest people out of signing in.
    /// </summary>
    /// <exception cref="QrAttemptsThrottledException">This source may not try another code yet.</exception>
    public void ThrowIfThrottled(AttemptSource source)
    {
        var (limiter, attempt) = Of(source);
        if (limiter.RetryAfter(attempt) is { } retryAfter)
        {
            throw new QrAttemptsThrottledException(retryAfter);
        }
    }

    public void RecordFailure(AttemptSource source)
    {
        var (limiter, attempt) = Of(source);
        limiter.Record(attempt);
    }

    /// <summary>Counts a new code for <paramref name="ip"/>.</summary>
    /// <exception cref="QrAttemptsThrottledException">This address asked for too many codes in the last minute.</exception>
    public void CountCreation(string? ip)
    {
        var attempt = new LimitedAttempt("", ip);
        if (creations.RetryAfter(attempt) is { } retryAfter)
        {
            throw new QrAttemptsThrottledException(retryAfter);
        }

        creations.Record(attempt);
    }

    /// <summary>Where a source's failures count: an API client's own budget (never the user it names), or the user's at that address and the address's.</summary>
    private (AttemptLimiter, LimitedAttempt) Of(AttemptSource source) => source.ApiClientId is { } client
        ? (apiClients, new LimitedAttempt(client, Address: null, WholePortal))
        : (users, new LimitedAttempt(source.UserId, source.Ip, WholePortal));
}
