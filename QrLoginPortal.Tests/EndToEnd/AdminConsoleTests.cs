using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class AdminConsoleTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    public static readonly TheoryData<string> AdminRoutes =
    [
        "/admin", "/admin/transactions", "/admin/users", "/admin/audit", "/admin/qr-settings", "/admin/qr-settings/history", "/admin/api-clients", "/admin/profiles",
        "/admin/badges", "/admin/badges/print/some-job", "/admin/roles", AdminExtensions.AuditCsvPath,
    ];

    [Fact]
    public async Task TheBadgePrintSheet_ShowsTheCodesToTheAdminWhoIssuedThem_AndToNoOtherAdmin()
    {
        var adminId = await portal.UserIdAsync(PortalFactory.AdminEmail);
        var demoId = await portal.UserIdAsync(PortalFactory.DemoEmail);
        var badges = portal.Services.GetRequiredService<global::QrLoginPortal.Badges.BadgeService>();
        var jobs = portal.Services.GetRequiredService<global::QrLoginPortal.Badges.BadgePrintJobs>();
        var badge = (await badges.IssueAsync(demoId, adminId, null))!;
        var mine = jobs.Create(adminId, [badge.ToPrintable()]);
        var someoneElses = jobs.Create("another-admin-id", [badge.ToPrintable()]);
        using var admin = portal.CreateBrowser();
        await admin.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var response = await admin.Http.GetAsync($"/admin/badges/print/{mine}");
        var sheet = await response.Content.ReadAsStringAsync();
        var foreign = await admin.GetPageAsync($"/admin/badges/print/{someoneElses}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains(badge.Grouped, sheet);
        Assert.Contains("data-testid=\"badge-card\"", sheet);
        Assert.DoesNotContain(badge.Grouped, foreign);
        Assert.Contains("no longer available", foreign);
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task EveryAdminRoute_RefusesANonAdmin(string route)
    {
        using var user = portal.CreateBrowser();
        await user.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var response = await user.Http.GetAsync(route);

        Assert.True(response.StatusCode is HttpStatusCode.Forbidden
                    || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("AccessDenied")),
            $"{route} answered {(int)response.StatusCode} {response.Headers.Location}");
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task EveryAdminRoute_SendsAnAnonymousVisitorToSignIn(string route)
    {
        using var anonymous = portal.CreateBrowser();

        var response = await anonymous.Http.GetAsync(route);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task EveryAdminRoute_OpensForAnAdmin()
    {
        using var admin = portal.CreateBrowser();
        await admin.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        foreach (var route in AdminRoutes)
        {
            var response = await admin.Http.GetAsync(route);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task AnAdminDemotedInTheDatabase_IsRefusedAtOnce_EvenWithTheOldCookie()
    {
        var userId = await portal.CreateUserAsync("soon-demoted@test.local", admin: true);
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("soon-demoted@test.local", PortalFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin")).StatusCode);

        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            await db.UserRoles.Where(ur => ur.UserId == userId).ExecuteDeleteAsync();
        }

        var response = await browser.Http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("AccessDenied", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AuditCsv_ExportsTheFilteredLog()
    {
        using var admin = portal.CreateBrowser();
        await admin.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var audit = portal.Services.GetRequiredService<AuditLog>();
        await audit.WriteAsync(AuditTypes.UserUnlock, AuditOutcomes.Success, details: "=HYPERLINK(\"http://evil\")");

        var response = await admin.Http.GetAsync($"{AdminExtensions.AuditCsvPath}?type={AuditTypes.UserUnlock}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,type,user_id,user_email,subject,ip,outcome,details", lines[0].Trim());
        Assert.All(lines.Skip(1), l => Assert.Contains("\"user.unlock\"", l));
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil\"\")\"", lines[1]);
    }

    [Fact]
    public async Task AuditCsv_WithABadDate_IsA400NotAnError()
    {
        using var admin = portal.CreateBrowser();
        await admin.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var response = await admin.Http.GetAsync($"{AdminExtensions.AuditCsvPath}?from=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task CancellingAPendingCode_ReachesTheWaitingPage()
    {
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        var created = await engine.CreateAsync(new QrRequester("203.0.113.5", "test"));
        var received = new TaskCompletionSource<QrTransactionChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = portal.Services.GetRequiredService<ITransactionNotifier>().Subscribe(created.Id, c => { received.TrySetResult(c); return Task.CompletedTask; });

        Assert.True(await portal.Services.GetRequiredService<TransactionMonitor>().CancelAsync(await portal.AdminActorAsync(), created.Id));

        var change = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(QrTransactionState.Failed, change.State);
    }

    [Fact]
    public async Task LockingAUser_InvalidatesTheirCookieOnTheNextRequest()
    {
        var userId = await portal.CreateUserAsync("to-be-locked@test.local");
        using var victim = portal.CreateBrowser();
        await victim.SignInWithPasswordAsync("to-be-locked@test.local", PortalFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, (await victim.Http.GetAsync("/account")).StatusCode);

        var result = await portal.Services.GetRequiredService<UserAdmin>().LockAsync(await portal.AdminActorAsync(), userId);

        Assert.True(result.Succeeded, result.Message);
        var next = await victim.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/login", next.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task EveryAdminAction_IsAudited_WithTheAdmin()
    {
        var actor = await portal.AdminActorAsync();
        var users = portal.Services.GetRequiredService<UserAdmin>();
        var monitor = portal.Services.GetRequiredService<TransactionMonitor>();
        var settings = portal.Services.GetRequiredService<QrSettingsStore>();
        var engine = portal.Services.GetRequiredService<QrLoginService>();

        Assert.True((await users.CreateAsync(actor, "audited@test.local", "Audited", "User")).Succeeded);
        var userId = (await users.SearchAsync("audited@test.local", 0, 10)).Rows.Single().Id;
        var sessionId = await portal.Services.GetRequiredService<SessionStore>().StartAsync(userId, "pwd", false, null, null);
        Assert.True((await users.EndSessionAsync(actor, userId, sessionId)).Succeeded);
        Assert.True((await users.SetAdminAsync(actor, userId, true)).Succeeded);
        Assert.True((await users.SetAdminAsync(actor, userId, false)).Succeeded);
        Assert.True((await users.PasswordResetLinkAsync(actor, userId, "http://localhost")).Succeeded);
        Assert.True((await users.LockAsync(actor, userId)).Succeeded);
        Assert.True((await users.UnlockAsync(actor, userId)).Succeeded);
        var pending = await engine.CreateAsync(new QrRequester(null, null));
        Assert.True(await monitor.CancelAsync(actor, pending.Id));
        await engine.CreateAsync(new QrRequester(null, null));
        await monitor.StopAllAsync(actor);
        await monitor.ResumeAsync(actor);
        var first = (await settings.HistoryAsync()).Last();
        Assert.Empty(await settings.RestoreAsync(first.Id, actor.UserId, actor.Name, actor.Ip));

        await using var db = await portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        var types = await db.AuditEvents.Where(e => e.UserId == actor.UserId).Select(e => e.Type).Distinct().ToListAsync();
        Assert.Superset(new HashSet<string>
        {
            AuditTypes.UserCreate, AuditTypes.SessionEnd, AuditTypes.UserRoleAdd, AuditTypes.UserRoleRemove, AuditTypes.UserPasswordResetLink,
            AuditTypes.UserLock, AuditTypes.UserUnlock, AuditTypes.QrCancel, AuditTypes.QrCancelAll, AuditTypes.QrStopAll,
            AuditTypes.QrSettingsChange, AuditTypes.QrSettingsRestore,
        }, types.ToHashSet());
    }

    [Fact]
    public async Task ANonAdmin_CallingTheServicesDirectly_GetsNothing()
    {
        var userId = await portal.CreateUserAsync("sneaky@test.local");
        var sneaky = await portal.ActorAsync(userId, "sneaky@test.local");
        var target = await portal.CreateUserAsync("target@test.local");

        await Assert.ThrowsAsync<AdminAccessDeniedException>(() => portal.Services.GetRequiredService<UserAdmin>().LockAsync(sneaky, target));
        await Assert.ThrowsAsync<AdminAccessDeniedException>(() => portal.Services.GetRequiredService<TransactionMonitor>().StopAllAsync(sneaky));
        Assert.True((await portal.Services.GetRequiredService<QrSettingsStore>().GetAsync()).Enabled);
    }
}
