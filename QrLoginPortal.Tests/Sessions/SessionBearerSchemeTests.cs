using System.Runtime.ExceptionServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Sessions;

/// <summary>
/// The API's attempt endpoint tries the users' bearer scheme on every call, also with an API client's OpenIddict
/// JWT: a token that cannot be one of ours is passed over without trying to unprotect it (which only threw and caught).
/// </summary>
public sealed class SessionBearerSchemeTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task AnApiClientsJwt_IsPassedOver_WithoutAnException()
    {
        using var scope = portal.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJl";

        var (result, thrown) = await CountingExceptionsAsync(() => context.AuthenticateAsync(SessionBearerTokens.Scheme));

        Assert.False(result.Succeeded);
        Assert.Equal(0, thrown);
    }

    [Fact]
    public async Task AUsersOwnToken_StillSignsIn()
    {
        var userId = await portal.CreateUserAsync("bearer-scheme@test.local");
        var sessionId = await portal.Services.GetRequiredService<SessionStore>().StartAsync(userId, "qr-api", false, null, null);
        var token = portal.Services.GetRequiredService<SessionBearerTokens>().Issue(userId, "bearer-scheme@test.local", "stamp", sessionId, "qr-api");
        using var scope = portal.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = $"Bearer {token}";

        var result = await context.AuthenticateAsync(SessionBearerTokens.Scheme);

        Assert.True(result.Succeeded);
        Assert.Equal(userId, result.Principal!.FindFirstValue(ClaimTypes.NameIdentifier));
    }

    [Fact]
    public async Task AGarbledToken_IsRefused()
    {
        using var scope = portal.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = "Bearer CfDJ8notaprotectedtoken";

        Assert.False((await context.AuthenticateAsync(SessionBearerTokens.Scheme)).Succeeded);
    }

    // First-chance exceptions thrown in this test's own flow (other tests' threads do not carry the marker).
    private static async Task<(T Result, int Thrown)> CountingExceptionsAsync<T>(Func<Task<T>> action)
    {
        var thrown = 0;
        var mine = new AsyncLocal<bool> { Value = true };
        EventHandler<FirstChanceExceptionEventArgs> count = (_, _) =>
        {
            if (mine.Value)
            {
                Interlocked.Increment(ref thrown);
            }
        };
        AppDomain.CurrentDomain.FirstChanceException += count;
        try
        {
            var result = await action();
            return (result, Volatile.Read(ref thrown));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= count;
        }
    }
}
