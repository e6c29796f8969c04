using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Sessions;

/// <summary>
/// Every request of a signed-in browser checks its session (issue 16): a session found open moments ago is
/// not asked for again, and yet every way a session ends or its user changes is refused on the very next check.
/// </summary>
public sealed class SessionCheckCacheTests(SessionCheckCacheTests.CountingPortal portal) : IClassFixture<SessionCheckCacheTests.CountingPortal>
{
    private SessionStore Sessions => portal.Services.GetRequiredService<SessionStore>();

    [Fact]
    public async Task TheChecksOfOnePageLoad_AskTheDatabaseOnce()
    {
        await HearsOtherNodesAsync();
        var userId = await portal.CreateUserAsync("checked-once@test.local");
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        var queries = portal.Queries.Watch(sessionId);

        // The page, /_blazor/negotiate and the circuit's WebSocket.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await Sessions.TouchAsync(sessionId, userId));
        }

        Assert.Equal(1, queries.Count);
    }

    [Fact]
    public async Task AfterItsLifetime_TheDatabaseIsAskedAgain()
    {
        await HearsOtherNodesAsync();
        var userId = await portal.CreateUserAsync("checked-again@test.local");
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        var queries = portal.Queries.Watch(sessionId);
        Assert.True(await Sessions.TouchAsync(sessionId, userId));

        portal.Clock.Advance(SessionCheckCache.Lifetime);

        Assert.True(await Sessions.TouchAsync(sessionId, userId));
        Assert.Equal(2, queries.Count);
    }

    [Fact]
    public async Task AnotherUsersIdOrAnotherStamp_IsNotAnsweredFromMemory()
    {
        var userId = await portal.CreateUserAsync("checked-owner@test.local");
        var stranger = await portal.CreateUserAsync("checked-stranger@test.local");
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        Assert.True(await Sessions.TouchAsync(sessionId, userId));

        Assert.False(await Sessions.TouchAsync(sessionId, stranger));
        Assert.False(await Sessions.TouchAsync(sessionId, userId, "not-the-stamp"));
    }

    [Fact]
    public async Task AnEndedSession_IsRefusedOnItsNextCheck()
    {
        var (userId, sessionId) = await CheckedSessionAsync("checked-ended@test.local");

        Assert.True(await Sessions.EndAsync(sessionId, userId, "signed out from another browser", userId, null));

        Assert.False(await Sessions.TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task SignOutEverywhereElse_IsRefusedOnTheOtherSessionsNextCheck()
    {
        var (userId, other) = await CheckedSessionAsync("checked-everywhere@test.local");
        var kept = await Sessions.StartAsync(userId, "pwd", false, null, null);
        Assert.True(await Sessions.TouchAsync(kept, userId));

        Assert.Equal(1, await Sessions.EndAllOthersAsync(userId, kept, "signed out everywhere else", null));

        Assert.False(await Sessions.TouchAsync(other, userId));
        Assert.True(await Sessions.TouchAsync(kept, userId));
    }

    [Fact]
    public async Task AnAdminsLock_IsRefusedOnTheNextCheck()
    {
        var (userId, sessionId) = await CheckedSessionAsync("checked-locked@test.local");

        var result = await portal.Services.GetRequiredService<UserAdmin>().LockAsync(await portal.AdminActorAsync(), userId);

        Assert.True(result.Succeeded, result.Message);
        Assert.False(await Sessions.TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task ALockSavedBeforeItsSessionsEnd_IsAlreadyRefused()
    {
        // The admin's lock saves the lockout first and ends the sessions after: a check in between must not pass.
        var (userId, sessionId) = await CheckedSessionAsync("checked-lock-first@test.local");
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.SetLockoutEndDateAsync((await users.FindByIdAsync(userId))!, ApplicationUser.AdminLockEnd)).Succeeded);
        }

        Assert.False(await Sessions.TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task ASecurityStampChange_IsRefusedOnTheNextCheck_OfTheBearerTokensStamp()
    {
        var userId = await portal.CreateUserAsync("checked-stamp@test.local");
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        string stamp;
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            stamp = (await users.FindByIdAsync(userId))!.SecurityStamp!;
        }

        Assert.True(await Sessions.TouchAsync(sessionId, userId, stamp));
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.UpdateSecurityStampAsync((await users.FindByIdAsync(userId))!)).Succeeded);
        }

        Assert.False(await Sessions.TouchAsync(sessionId, userId, stamp));
    }

    [Fact]
    public async Task ADeletedAccount_IsRefusedOnTheNextCheck_OfItsOtherSessions()
    {
        var (userId, sessionId) = await CheckedSessionAsync("checked-deleted@test.local");
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.DeleteAsync((await users.FindByIdAsync(userId))!)).Succeeded);
        }

        Assert.False(await Sessions.TouchAsync(sessionId, userId));
    }

    [Fact]
    public async Task ABrowserSignedOutEverywhere_GetsNothingProtected_OnItsVeryNextRequest()
    {
        var userId = await portal.CreateUserAsync("checked-browser@test.local");
        using var laptop = portal.CreateBrowser();
        await laptop.SignInWithPasswordAsync("checked-browser@test.local", PortalFactory.DemoPassword);
        Assert.Contains("checked-browser@test.local", await laptop.GetPageAsync("/account"));

        await Sessions.EndAllAsync(userId, "signed out everywhere", userId, null);

        var next = await laptop.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/login", next.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task ASignedInPage_AsksForItsSessionOnce()
    {
        // The cookie's check, and the layout's "Admin" link for someone who is no administrator: one look-up.
        await HearsOtherNodesAsync();
        var userId = await portal.CreateUserAsync("checked-page@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("checked-page@test.local", PortalFactory.DemoPassword);
        var queries = portal.Queries.Watch(Assert.Single(await Sessions.ListAsync(userId)).Id);

        var page = await browser.GetPageAsync("/");

        Assert.DoesNotContain("href=\"admin\"", page);
        Assert.Equal(1, queries.Count);
    }

    [Fact]
    public async Task AnAdministrator_SeesTheAdminLink_UntilTheRoleIsGone()
    {
        var userId = await portal.CreateUserAsync("checked-admin-link@test.local", admin: true);
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("checked-admin-link@test.local", PortalFactory.DemoPassword);
        Assert.Contains("href=\"admin\"", await browser.GetPageAsync("/"));

        // Taken away behind Identity's back (no stamp change): the cookie still names the role, the live check does not.
        await using (var db = await portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            await db.UserRoles.Where(ur => ur.UserId == userId).ExecuteDeleteAsync();
        }

        Assert.DoesNotContain("href=\"admin\"", await browser.GetPageAsync("/"));
    }

    [Fact]
    public async Task StaticFilesAndBlazorsScriptList_AskForNoSession_WhileTheCircuitsNegotiationDoes()
    {
        // Nothing user-specific is served there: a signed-in load's favicon and /_blazor/initializers need no session check.
        var userId = await portal.CreateUserAsync("checked-assets@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("checked-assets@test.local", PortalFactory.DemoPassword);
        var queries = portal.Queries.Watch(Assert.Single(await Sessions.ListAsync(userId)).Id);

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/favicon.png")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/app.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/_blazor/initializers")).StatusCode);
        Assert.Equal(0, queries.Count);

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.SendAsync(Negotiation(browser))).StatusCode);
        Assert.Equal(1, queries.Count);
    }

    [Fact]
    public async Task AfterSignOutEverywhere_AStaticFileIsStillServed_ButTheCircuitAndThePageRefuseTheCookie()
    {
        var userId = await portal.CreateUserAsync("checked-assets-ended@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("checked-assets-ended@test.local", PortalFactory.DemoPassword);
        Assert.Contains("checked-assets-ended@test.local", await browser.GetPageAsync("/account"));

        await Sessions.EndAllAsync(userId, "signed out everywhere", userId, null);

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/favicon.png")).StatusCode);
        var negotiation = await browser.Http.SendAsync(Negotiation(browser));
        // The circuit's negotiation still checks the session: it refuses the cookie and deletes it.
        Assert.Contains(negotiation.Headers.GetValues("Set-Cookie"), c => c.Contains("Identity", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.Ordinal));
        var next = await browser.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/login", next.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task ALockedUsersCookie_GetsAStaticFile_ButNotThePage()
    {
        var userId = await portal.CreateUserAsync("checked-assets-locked@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("checked-assets-locked@test.local", PortalFactory.DemoPassword);
        Assert.Contains("checked-assets-locked@test.local", await browser.GetPageAsync("/account"));

        Assert.True((await portal.Services.GetRequiredService<UserAdmin>().LockAsync(await portal.AdminActorAsync(), userId)).Succeeded);

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/app.css")).StatusCode);
        var next = await browser.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/login", next.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task AnAdminAction_AsksTheDatabase_EvenForASessionRememberedOpen()
    {
        await HearsOtherNodesAsync();
        var userId = await portal.CreateUserAsync("checked-admin-action@test.local", admin: true);
        var actor = await portal.ActorAsync(userId, "checked-admin-action@test.local");
        var sessionId = actor.SessionId!.Value;
        Assert.True(await Sessions.TouchAsync(sessionId, userId));
        Assert.True(await portal.Services.GetRequiredService<AdminGuard>().IsAdminNowAsync(actor));

        // Ended where this node's memory did not hear of it (another node whose notification was lost).
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await db.UserSessions.Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, DateTimeOffset.UtcNow)));
        }

        // A page's own checks may still answer from memory for the rest of its lifetime; an admin action may not.
        Assert.True(await Sessions.IsActiveOrRecentlyCheckedAsync(sessionId, userId));
        Assert.False(await Sessions.IsActiveAsync(sessionId, userId));
        Assert.False(await portal.Services.GetRequiredService<AdminGuard>().IsAdminNowAsync(actor));
    }

    private static HttpRequestMessage Negotiation(PortalFactory.BrowserClient browser)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", browser.Http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        return request;
    }

    // On PostgreSQL nothing is remembered until the node listens to the others.
    private Task HearsOtherNodesAsync() =>
#if POSTGRES_TESTS
        portal.Services.GetRequiredService<QrLoginPortal.QrLogin.PostgresListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
#else
        Task.CompletedTask;
#endif

    private async Task<(string UserId, Guid SessionId)> CheckedSessionAsync(string email)
    {
        var userId = await portal.CreateUserAsync(email);
        var sessionId = await Sessions.StartAsync(userId, "pwd", false, null, null);
        // Found open once: remembered, so what follows must be refused despite the memory.
        Assert.True(await Sessions.TouchAsync(sessionId, userId));
        return (userId, sessionId);
    }

    /// <summary>The portal with its database commands watched.</summary>
    public sealed class CountingPortal : PortalFactory
    {
        public SessionQueries Queries { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
                services.ConfigureDbContext<ApplicationDbContext>(options => options.AddInterceptors(Queries)));
        }
    }

    /// <summary>Counts the database commands that name one session (other tests' sessions are not counted).</summary>
    public sealed class SessionQueries : DbCommandInterceptor
    {
        private string? _sessionId;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public SessionQueries Watch(Guid sessionId)
        {
            Volatile.Write(ref _count, 0);
            Volatile.Write(ref _sessionId, sessionId.ToString());
            return this;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Note(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Note(command);
            return result;
        }

        private void Note(DbCommand command)
        {
            if (Volatile.Read(ref _sessionId) is { } watched
                && command.Parameters.Cast<DbParameter>().Any(p => string.Equals(p.Value?.ToString(), watched, StringComparison.OrdinalIgnoreCase)))
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}
