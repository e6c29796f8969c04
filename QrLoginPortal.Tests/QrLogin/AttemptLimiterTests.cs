using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.Api;
using QrLoginPortal.Badges;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class AttemptLimiterTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The limiter as the password and client-secret throttles use it: the subject's budget is its shared one.</summary>
    private (Func<string, string, TimeSpan?> RetryAfter, Action<string, string> RecordFailure) Throttle(int perAddress, int perSubjectAndAddress, int perSubject)
    {
        var limiter = new AttemptLimiter("test", new AttemptLimits(perSubjectAndAddress, TimeSpan.FromMinutes(15), PerAddress: perAddress, Shared: perSubject),
            new InMemoryLimitCounters(_clock));
        return ((subject, address) => limiter.RetryAfter(new LimitedAttempt(subject, address, subject)),
            (subject, address) => limiter.Record(new LimitedAttempt(subject, address, subject)));
    }

    [Fact]
    public void AnAddress_WaitsAfterItsFailuresAtOneSubject_AndAgainAfterTheWindow()
    {
        var throttle = Throttle(perAddress: 10, perSubjectAndAddress: 3, perSubject: 0);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(throttle.RetryAfter("alice", "203.0.113.1"));
            throttle.RecordFailure("alice", "203.0.113.1");
        }

        Assert.Equal(TimeSpan.FromMinutes(15), throttle.RetryAfter("alice", "203.0.113.1"));
        Assert.Null(throttle.RetryAfter("alice", "198.51.100.1"));
        Assert.Null(throttle.RetryAfter("bob", "203.0.113.1"));
        _clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(throttle.RetryAfter("alice", "203.0.113.1"));
    }

    [Fact]
    public void AnAddress_SprayingManySubjects_WaitsForAll()
    {
        var throttle = Throttle(perAddress: 5, perSubjectAndAddress: 3, perSubject: 0);
        for (var i = 0; i < 5; i++)
        {
            throttle.RecordFailure($"user-{i}", "203.0.113.1");
        }

        Assert.NotNull(throttle.RetryAfter("someone-else", "203.0.113.1"));
        Assert.Null(throttle.RetryAfter("someone-else", "198.51.100.1"));
    }

    [Fact]
    public void ASpentSubjectBudget_HoldsBackOnlyAddressesThatFailedAtIt()
    {
        var throttle = Throttle(perAddress: 10, perSubjectAndAddress: 10, perSubject: 4);
        for (var i = 0; i < 4; i++)
        {
            throttle.RecordFailure("client", $"203.0.113.{i}");
        }

        Assert.NotNull(throttle.RetryAfter("client", "203.0.113.0"));
        Assert.Null(throttle.RetryAfter("client", "198.51.100.1"));
        Assert.Null(throttle.RetryAfter("other-client", "203.0.113.0"));
    }

    [Fact]
    public void EveryFailureLimitOfThePortal_IsTheOneLimiter_RegisteredPerUse_WithItsLimitsFromConfiguration()
    {
        using var portal = new PortalFactory();
        using var configured = portal.WithWebHostBuilder(b => b
            .UseSetting("Api:FailedSecretGuessesPerCaller", "7")
            .UseSetting("Badges:FailuresPerAddress", "4")
            .UseSetting("QrLogin:FailedAttemptsPerHour", "900"));
        var services = configured.Services;
        AttemptLimits Of(string use) => services.GetRequiredKeyedService<AttemptLimiter>(use).Limits;

        // Configured values, where a constant stood before.
        Assert.Equal(7, Of(SecretGuessLimiter.Use).PerKey);
        Assert.Equal(4, Of(BadgeSignInCheck.FailureLimiter).PerKey);
        // Users and API clients guessing QR codes spend the one portal-wide budget.
        Assert.Equal(900, Of(FailedAttemptLimiter.UserAttempts).Shared);
        Assert.Equal(Of(FailedAttemptLimiter.UserAttempts).SharedBudget, Of(FailedAttemptLimiter.ApiClientAttempts).SharedBudget);
        // Documented defaults (SECURITY.md) kept.
        Assert.Equal((3, 10), (Of(PasswordThrottle.Use).PerKey, Of(PasswordThrottle.Use).PerAddress));
        Assert.Equal((10, 20), (Of(ClientSecretThrottle.Use).PerAddress, Of(ClientSecretThrottle.Use).Shared));
        Assert.Equal(1000, Of(BadgeSignInCheck.FailureLimiter).Shared);
        // One node counts in memory; several on PostgreSQL count in the database they share.
        Assert.IsType(TestDatabase.DefaultProvider == global::QrLoginPortal.Data.DatabaseProvider.Postgres
            ? typeof(PostgresLimitCounters) : typeof(InMemoryLimitCounters), services.GetRequiredService<ILimitCounters>());
    }

    [Fact]
    public void ASecretGuesser_WaitsAfterTheConfiguredNumberOfFailures()
    {
        var guesses = new SecretGuessLimiter(new AttemptLimiter(SecretGuessLimiter.Use,
            SecretGuessLimiter.LimitsOf(new ApiOptions { FailedSecretGuessesPerCaller = 2 }), new InMemoryLimitCounters(_clock)));
        guesses.RecordFailure("client|203.0.113.1");
        Assert.Null(guesses.RetryAfter("client|203.0.113.1"));

        guesses.RecordFailure("client|203.0.113.1");

        Assert.Equal(TimeSpan.FromMinutes(15), guesses.RetryAfter("client|203.0.113.1"));
        Assert.Null(guesses.RetryAfter("client|198.51.100.1"));
    }
}
