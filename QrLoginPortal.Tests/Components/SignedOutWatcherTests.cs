using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using QrLoginPortal.Components.Account.Shared;
using QrLoginPortal.Components.Layout;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Components;

/// <summary>Every interactive page carries the watcher (Routes.razor): when its browser's session ends, the page leaves.</summary>
public sealed class SignedOutWatcherTests : BunitContext
{
    private readonly EngineFixture _engine = new();
    private readonly InProcessSessionNotifier _notifier = new(NullLogger<InProcessSessionNotifier>.Instance);
    private readonly SessionStore _sessions;
    private readonly CircuitConnection _connection = new();
    private readonly BunitAuthorizationContext _auth;

    public SignedOutWatcherTests()
    {
        _sessions = new SessionStore(_engine.Database, _engine.Audit, _engine.Clock, notifier: _notifier);
        Services.AddSingleton<ISessionNotifier>(_notifier);
        Services.AddSingleton(_sessions);
        Services.AddSingleton(_connection);
        Services.AddScoped<SignedOutExit>();
        _auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    protected override ValueTask DisposeAsyncCore()
    {
        _engine.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task WhenThisBrowsersSessionIsEnded_ThePageLeavesForTheSignInPage_WithTheNotice()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        Assert.Equal(1, _notifier.SubscriptionCount);

        await _sessions.EndAsync(here, "user-1", "signed out from another browser", "user-1", null);

        WaitForForcedLoad("/login?ended=browser");
    }

    [Fact]
    public async Task WhenThisBrowserSignsItselfOut_ThePageGoesWhereTheSignOutsAnswerGoes()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();

        await _sessions.EndAsync(here, "user-1", "signed out", "user-1", null, SessionEndCause.SignedOutHere);

        WaitForForcedLoad("/signed-out");
    }

    [Fact]
    public async Task WhenANewSignInOnThisBrowserReplacedTheSession_ThePageLoadsAgainWhereItIs_OnceTheBrowserHoldsTheNewSignIn()
    {
        var reload = JSInterop.SetupVoid("qrLogin.reloadOnceSignedIn", _ => true);
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        var page = Navigation.Uri;

        await _sessions.EndAsync(here, "user-1", "replaced by a new sign-in on this browser", "user-1", null, SessionEndCause.Replaced);

        // The browser loads the page again once it holds the new cookie (js/qrlogin.js): the server sends it nowhere itself.
        SpinWait.SpinUntil(() => reload.Invocations.Count > 0, TimeSpan.FromSeconds(10));
        Assert.Equal(page, Assert.Single(reload.Invocations).Arguments[0]);
        Assert.Empty(((BunitNavigationManager)Navigation).History);
    }

    [Fact]
    public async Task WhenTheReplacedPagesScriptIsMissing_ThePageLoadsAgainAtOnce()
    {
        JSInterop.SetupVoid("qrLogin.reloadOnceSignedIn", _ => true).SetException(new JSException("qrLogin is not defined"));
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        var page = Navigation.Uri;

        await _sessions.EndAsync(here, "user-1", "replaced by a new sign-in on this browser", "user-1", null, SessionEndCause.Replaced);

        WaitForForcedLoad(page);
    }

    [Fact]
    public async Task WhenTheAccountIsLocked_ThePageLeaves_SayingSo()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();

        await _sessions.EndAllAsync("user-1", "account locked", "admin", null, cause: SessionEndCause.AccountLocked);

        WaitForForcedLoad("/login?ended=locked");
    }

    [Fact]
    public async Task AnotherBrowsersSessionEnding_LeavesThisPageAlone()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        var phone = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        await _sessions.StartAsync("user-2", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        var before = Navigation.Uri;

        await _sessions.EndAsync(phone, "user-1", "signed out from another browser", "user-1", null);
        await _sessions.EndAllAsync("user-2", "account locked", "admin", null, cause: SessionEndCause.AccountLocked);

        // The handlers of both events have run by now: a session that is not this page's returns at once.
        Assert.Equal(before, Navigation.Uri);
        Assert.Equal(1, _notifier.SubscriptionCount);
        Assert.True(await _sessions.IsActiveAsync(here, "user-1"));
    }

    [Fact]
    public async Task APageOpenedAfterItsSessionEnded_LeavesAtOnce()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        await _sessions.EndAsync(here, "user-1", "signed out", "user-1", null);
        SignInAs("user-1", here);

        Render<SignedOutWatcher>();

        WaitForForcedLoad("/login?ended=browser");
    }

    [Fact]
    public async Task WhenTheSessionEndsWhileTheBrowserIsAway_ThePageLeavesOnceItIsBack_NotIntoTheVoid()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        await _connection.OnConnectionDownAsync(null!, Xunit.TestContext.Current.CancellationToken);

        await _sessions.EndAsync(here, "user-1", "signed out from another browser", "user-1", null);

        // Sent now, the navigation would be lost and its wait would end in an exception in the circuit.
        Assert.Empty(((BunitNavigationManager)Navigation).History);
        await _connection.OnConnectionUpAsync(null!, Xunit.TestContext.Current.CancellationToken);
        WaitForForcedLoad("/login?ended=browser");
    }

    [Fact]
    public async Task WhenTheBrowserComesBackSignedOut_ThePageLeavesOnce_SayingWhy()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        await _connection.OnConnectionDownAsync(null!, Xunit.TestContext.Current.CancellationToken);
        await _sessions.EndAsync(here, "user-1", "signed out from another browser", "user-1", null);

        // The circuit reconnects: the watcher leaves, and Blazor replaces the circuit's user with the cookie's,
        // now nobody, so the protected page's route view shows its "not authorized" part, RedirectToLogin.
        await _connection.OnConnectionUpAsync(null!, Xunit.TestContext.Current.CancellationToken);
        WaitForForcedLoad("/login?ended=browser");
        _auth.SetNotAuthorized();
        Render<RedirectToLogin>();

        // One navigation: a second full load (to the sign-in page without the notice) raced the first.
        var entry = Assert.Single(((BunitNavigationManager)Navigation).History);
        Assert.Equal("/login?ended=browser", entry.Uri);
    }

    [Fact]
    public void RedirectToLogin_OnALivePageOfABrowserThatWasNeverSignedIn_LeavesForTheSignInPageAndBack()
    {
        Navigation.NavigateTo("/account/sessions");
        var before = ((BunitNavigationManager)Navigation).History.Count;

        Render<RedirectToLogin>();

        // One navigation more (the history lists the newest first).
        Assert.Equal(before + 1, ((BunitNavigationManager)Navigation).History.Count);
        var entry = ((BunitNavigationManager)Navigation).History.First();
        Assert.Equal("login?returnUrl=%2Faccount%2Fsessions", entry.Uri);
        Assert.True(entry.Options.ForceLoad);
    }

    [Fact]
    public async Task RedirectToLogin_ForASignedInUserWhoMayNotSeeThePage_LeavesForTheSignInPageAndBack_NotAsSignedOut()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        Render<SignedOutWatcher>();
        Navigation.NavigateTo("/admin");
        var before = ((BunitNavigationManager)Navigation).History.Count;

        Render<RedirectToLogin>();

        // One navigation more (the history lists the newest first).
        Assert.Equal(before + 1, ((BunitNavigationManager)Navigation).History.Count);
        var entry = ((BunitNavigationManager)Navigation).History.First();
        Assert.Equal("login?returnUrl=%2Fadmin", entry.Uri);
    }

    [Fact]
    public async Task AClosedPage_LeavesNoSubscriptionBehind()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        var cut = Render<SignedOutWatcher>();
        Assert.Equal(1, _notifier.SubscriptionCount);

        cut.Instance.Dispose();

        Assert.Equal(0, _notifier.SubscriptionCount);
    }

    [Fact]
    public async Task WhilePrerendering_ItWatchesNothing()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, null, null);
        SignInAs("user-1", here);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        Render<SignedOutWatcher>();

        Assert.Equal(0, _notifier.SubscriptionCount);
    }

    [Fact]
    public void AnAnonymousPage_WatchesNothing()
    {
        Render<SignedOutWatcher>();

        Assert.Equal(0, _notifier.SubscriptionCount);
    }

    private void WaitForForcedLoad(string pathAndQuery)
    {
        var navigation = (BunitNavigationManager)Navigation;
        // The page leaves from the notifier's delivery task: wait for that navigation (bounded), not for a time.
        SpinWait.SpinUntil(() => navigation.History.Count > 0, TimeSpan.FromSeconds(10));
        var entry = Assert.Single(navigation.History);
        Assert.Equal(pathAndQuery, entry.Uri);
        Assert.True(entry.Options.ForceLoad);
    }

    private void SignInAs(string userId, Guid sessionId)
    {
        _auth.SetAuthorized(userId);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId), new Claim(SessionStore.SessionClaim, sessionId.ToString()));
    }
}
