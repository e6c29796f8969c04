using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class FailedAttemptLimiterTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task AUserWhoGuesses_IsStoppedAfterTenFailures_EvenWithTheRightCode()
    {
        var real = await Service.CreateAsync(EngineFixture.Browser);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await Service.OpenAsync($"WRONG{i}CODE", "guesser", null));
        }

        var ex = await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "guesser", null));
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.ApproveAsync(real.Lsi, "guesser", false, null, null));
        Assert.InRange(ex.RetryAfter, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(real.Id, real.Dsi))!.State);
    }

    [Fact]
    public async Task AnotherUser_IsNotHeldUpByOnesGuesses()
    {
        var real = await Service.CreateAsync(EngineFixture.Browser);
        for (var i = 0; i < 10; i++)
        {
            await Service.ApproveAsync($"WRONG{i}CODE", "guesser", false, null, null);
        }

        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(real.Lsi, "honest", false, null, null));
    }

    [Fact]
    public async Task TheUserLimit_EndsAfterItsWindow()
    {
        var real = await Service.CreateAsync(EngineFixture.Browser);
        for (var i = 0; i < 10; i++)
        {
            await Service.OpenAsync($"WRONG{i}CODE", "guesser", null);
        }

        _engine.Clock.Advance(TimeSpan.FromMinutes(15));
        var fresh = await Service.CreateAsync(EngineFixture.Browser);

        Assert.NotNull(await Service.OpenAsync(fresh.Lsi, "guesser", null));
        Assert.Null(await Service.OpenAsync(real.Lsi, "guesser", null));
    }

    [Fact]
    public async Task ManyUsersGuessingTogether_ExhaustTheGlobalBudget_ForThoseWhoGuessed()
    {
        for (var i = 0; i < 50; i++)
        {
            await Service.OpenAsync($"WRONG{i}CODE", $"sprayer-{i % 25}", null);
        }

        var real = await Service.CreateAsync(EngineFixture.Browser);

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "sprayer-3", null));
        Assert.NotNull(await Service.OpenAsync(real.Lsi, "honest-user-without-failures", null));
        _engine.Clock.Advance(TimeSpan.FromMinutes(15));
        var fresh = await Service.CreateAsync(EngineFixture.Browser);
        Assert.NotNull(await Service.OpenAsync(fresh.Lsi, "sprayer-3", null));
    }

    [Fact]
    public async Task SuccessfulAttempts_DoNotCount()
    {
        for (var i = 0; i < 12; i++)
        {
            var created = await Service.CreateAsync(EngineFixture.Browser);
            Assert.NotNull(await Service.OpenAsync(created.Lsi, "busy-user", null));
            Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "busy-user", false, null, null));
        }
    }

    [Fact]
    public async Task OneAddress_AskingForTooManyCodes_IsRefusedForAMinute()
    {
        _engine.EngineOptions.CreatedPerMinutePerIp = 3;
        for (var i = 0; i < 3; i++)
        {
            await Service.CreateAsync(EngineFixture.Browser);
        }

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.CreateAsync(EngineFixture.Browser));
        await Service.CreateAsync(EngineFixture.Browser with { Ip = "198.51.100.99" });
        _engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await Service.CreateAsync(EngineFixture.Browser);
    }

    [Fact]
    public async Task LostRacesOnValidCodes_DoNotCountTowardTheLosersBudget()
    {
        for (var i = 0; i < 12; i++)
        {
            var raced = await Service.CreateAsync(EngineFixture.Browser);
            Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(raced.Lsi, "winner", false, null, null));
            Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveAsync(raced.Lsi, "loser", false, null, null));
        }

        var fresh = await Service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(fresh.Lsi, "loser", false, null, null));
    }

    [Fact]
    public async Task AnElevenWayRace_ForOneValidCode_LeavesTheUserFreeToApproveTheNext()
    {
        var raced = await Service.CreateAsync(EngineFixture.Browser);

        var results = await Task.WhenAll(Enumerable.Range(0, 11)
            .Select(_ => Task.Run(() => Service.ApproveAsync(raced.Lsi, "racer", false, "198.51.100.4", null))));

        Assert.Single(results, r => r == AttemptResult.Approved);
        var next = await Service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(next.Lsi, "racer", false, "198.51.100.4", null));
    }

    [Fact]
    public async Task AUsersFailures_CountPerAddress_SoAnotherAddressOfTheirsIsNotHeldUp()
    {
        var real = await Service.CreateAsync(EngineFixture.Browser);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await Service.OpenAsync($"WRONG{i}CODE", "guesser", "198.51.100.1"));
        }

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "guesser", "198.51.100.1"));
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(real.Lsi, "guesser", false, "198.51.100.2", null));
    }

    [Fact]
    public async Task OneAddress_GuessingUnderManyAccounts_IsThrottledAsASource()
    {
        _engine.EngineOptions.FailedAttemptsPerIp = 5;
        for (var i = 0; i < 5; i++)
        {
            await Service.OpenAsync($"WRONG{i}CODE", $"account-{i}", "203.0.113.66");
        }

        var real = await Service.CreateAsync(EngineFixture.Browser);
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "account-new", "203.0.113.66"));
        Assert.NotNull(await Service.OpenAsync(real.Lsi, "account-new", "198.51.100.3"));
    }

    [Fact]
    public async Task AnApiClientsFailures_CountAgainstTheClient_NotTheUserItNames()
    {
        _engine.EngineOptions.FailedAttemptsPerApiClient = 5;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(AttemptResult.NotAvailable,
                await Service.ApproveAsync($"WRONG{i}CODE", "victim", false, "192.0.2.5", null, apiClientId: "backend"));
        }

        var real = await Service.CreateAsync(EngineFixture.Browser);
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() =>
            Service.ApproveAsync(real.Lsi, "victim", false, "192.0.2.5", null, apiClientId: "backend"));
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(real.Lsi, "victim", false, "192.0.2.5", null));
    }
}
