using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class FailureThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AnAddress_WaitsAfterItsFailuresAtOneSubject_AndAgainAfterTheWindow()
    {
        var throttle = new FailureThrottle(_clock, new FailureLimits(PerAddress: 10, PerSubjectAndAddress: 3, PerSubject: 0, TimeSpan.FromMinutes(15)));
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
        var throttle = new FailureThrottle(_clock, new FailureLimits(PerAddress: 5, PerSubjectAndAddress: 3, PerSubject: 0, TimeSpan.FromMinutes(15)));
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
        var throttle = new FailureThrottle(_clock, new FailureLimits(PerAddress: 10, PerSubjectAndAddress: 10, PerSubject: 4, TimeSpan.FromMinutes(15)));
        for (var i = 0; i < 4; i++)
        {
            throttle.RecordFailure("client", $"203.0.113.{i}");
        }

        Assert.NotNull(throttle.RetryAfter("client", "203.0.113.0"));
        Assert.Null(throttle.RetryAfter("client", "198.51.100.1"));
        Assert.Null(throttle.RetryAfter("other-client", "203.0.113.0"));
    }
}
