using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Api;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>Limiter and throttle texts say "1 minute" and "1 second", never "minute(s)" or "1 seconds".</summary>
public sealed class WaitTextTests
{
    [Theory]
    [InlineData(1, "1 second")]
    [InlineData(45, "45 seconds")]
    [InlineData(60, "1 minute")]
    [InlineData(61, "2 minutes")]
    [InlineData(900, "15 minutes")]
    public void AWait_IsSaidInSecondsBelowAMinute_AndInWholeMinutesAbove(int seconds, string expected) =>
        Assert.Equal(expected, Plural.Wait(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void ThePasswordFormsRefusal_SaysOneMinute_InTheSingular()
    {
        var message = PasswordThrottle.Refuse(new DefaultHttpContext(), TimeSpan.FromSeconds(60));

        Assert.Contains("Try again in 1 minute,", message);
        Assert.DoesNotContain("(s)", message);
    }

    [Fact]
    public async Task TheApisTooManyAnswer_SaysOneSecond_InTheSingular()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await ApiError.TooMany(TimeSpan.FromSeconds(1)).ExecuteAsync(context);

        context.Response.Body.Position = 0;
        var message = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("message").GetString();
        Assert.Equal("Too many requests. Try again in 1 second.", message);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void TheLsiWarning_SaysOneMinute_InTheSingular()
    {
        // 20 bits: 2^19 expected guesses, which at 60 × 2^19 failed attempts per hour take one minute.
        var settings = new QrSettings { LsiCharset = "ABCD", LsiLength = 10 };
        var warning = QrSettingsRules.LsiWarning(settings, failedAttemptsPerHour: 524_288 * 60);

        Assert.NotNull(warning);
        Assert.Contains(" 1 minute at the limit", warning);
    }
}
