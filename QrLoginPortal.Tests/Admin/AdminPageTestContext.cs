using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using QrLoginPortal.Accounts;
using QrLoginPortal.Admin;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

/// <summary>
/// A bUnit context for admin pages over the real services and a real database: an admin
/// ("admin-id") and a plain user ("user-id") exist, and the page runs as the admin, interactively.
/// </summary>
public abstract class AdminPageTestContext : BunitContext
{
    /// <summary>Every database command the services behind the page sent.</summary>
    protected CommandCounter PageCommands { get; } = new();

    private sealed class CountingDbFactory(DbContextOptions<ApplicationDbContext> options) : IDbContextFactory<ApplicationDbContext>
    {
        public ApplicationDbContext CreateDbContext() => new(options);
    }

    protected AdminPageTestContext(bool failingDatabase = false)
    {
        Engine = new EngineFixture();
        // The pages' contexts count their commands (the engine's own do not), so a test can prove a push costs no query.
        IDbContextFactory<ApplicationDbContext> db = failingDatabase ? new FailingDbFactory()
            : new CountingDbFactory(new DbContextOptionsBuilder<ApplicationDbContext>(Engine.Database.Options).AddInterceptors(PageCommands).Options);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddSingleton<TimeProvider>(Engine.Clock);
        Services.AddSingleton(db);
        Services.AddSingleton(Engine.Audit);
        Services.AddSingleton(Engine.Settings);
        Services.AddSingleton(Engine.Service);
        Services.AddSingleton<ITransactionNotifier>(Engine.Notifier);
        Services.AddSingleton(Options.Create(new QrLoginOptions()));
        Services.AddSingleton<IHttpContextAccessor>(new HttpContextAccessor());
        Services.AddSingleton<AdminGuard>();
        Services.AddSingleton<TransactionMonitor>();
        Services.AddSingleton<AuditQueries>();
        Services.AddSingleton<ISessionNotifier>(Notifier);
        Services.AddSingleton<SessionStore>();
        Services.AddSingleton<UserAdmin>();
        // Password links are also mailed: queued here, never sent.
        Services.AddSingleton(new global::QrLoginPortal.Email.MailQueue(Microsoft.Extensions.Logging.Abstractions.NullLogger<global::QrLoginPortal.Email.MailQueue>.Instance));
        Services.AddSingleton<Microsoft.AspNetCore.Identity.IEmailSender<global::QrLoginPortal.Data.ApplicationUser>, global::QrLoginPortal.Email.PortalEmailSender>();
        Services.AddAttemptLimiter(global::QrLoginPortal.Badges.BadgeSignInCheck.FailureLimiter,
            _ => global::QrLoginPortal.Badges.BadgeSignInCheck.LimitsOf(new global::QrLoginPortal.Badges.BadgeOptions()));
        Services.AddSingleton<global::QrLoginPortal.Badges.BadgePolicyStore>();
        Services.AddSingleton<global::QrLoginPortal.Badges.BadgeService>();
        Services.AddSingleton<global::QrLoginPortal.Badges.BadgeSignInCheck>();
        Services.AddSingleton(typeof(IExpiringStore<,>), typeof(InMemoryExpiringStore<,>));
        Services.AddSingleton<global::QrLoginPortal.Badges.BadgePrintJobs>();
        Services.AddSingleton<BadgeAdmin>();
        Services.AddSingleton<RoleAdmin>();
        Services.AddSingleton<QrSettingsAdmin>();
        Services.AddSingleton<global::QrLoginPortal.SignIn.CircuitClient>();
        Services.AddSingleton<ApiClientAdmin>();
        Services.AddSingleton<ApplicationAdmin>();
        Services.AddOpenIddict().AddCore(options => options.UseEntityFrameworkCore().UseDbContext<ApplicationDbContext>());
        Services.AddScoped(_ => Engine.Database.CreateDbContext());
        Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        Services.AddIdentityCore<ApplicationUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<ApplicationDbContext>()
            .AddDefaultTokenProviders();
        SeedUsers();

        Auth = AddAuthorization();
        Auth.SetAuthorized("admin@test.local");
        Auth.SetRoles(Roles.Admin);
        Auth.SetPolicies(Policies.Admin);
        Auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin-id"), new Claim(SessionStore.SessionClaim, AdminSessionId.ToString()));
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        Render<MudPopoverProvider>();
        Dialogs = Render<MudDialogProvider>();
    }

    /// <summary>Where confirmation dialogs appear.</summary>
    protected IRenderedComponent<MudDialogProvider> Dialogs { get; }

    /// <summary>
    /// Clicks a button that asks for confirmation, answers the dialog with <paramref name="answer"/>
    /// ("Cancel" or the confirm text) and returns what the dialog said.
    /// </summary>
    protected Task<string> ClickAndAnswerAsync(AngleSharp.Dom.IElement button, string answer) => Dialogs.ClickAndAnswerAsync(button, answer);

    protected EngineFixture Engine { get; }

    /// <summary>The session (signed-in browser) the page belongs to; live until a test ends it.</summary>
    protected Guid AdminSessionId { get; } = Guid.NewGuid();

    /// <summary>The admin the page runs as, for arranging data through the services.</summary>
    protected Task<AdminActor> AdminAsync() => Task.FromResult(new AdminActor("admin-id", "admin@test.local", null, AdminSessionId));

    protected InProcessSessionNotifier Notifier { get; } = new(Microsoft.Extensions.Logging.Abstractions.NullLogger<InProcessSessionNotifier>.Instance);
    protected BunitAuthorizationContext Auth { get; }

    protected override ValueTask DisposeAsyncCore()
    {
        Engine.Dispose();
        return base.DisposeAsyncCore();
    }

    /// <summary>Takes the Admin role away in the database, as another admin would while this page is open.</summary>
    protected async Task DemoteAdminAsync()
    {
        await using var db = Engine.Database.CreateDbContext();
        await db.UserRoles.Where(ur => ur.UserId == "admin-id").ExecuteDeleteAsync();
    }

    private void SeedUsers()
    {
        using var db = Engine.Database.CreateDbContext();
        var role = new IdentityRole(Roles.Admin) { Id = "admin-role", NormalizedName = Roles.Admin.ToUpperInvariant() };
        db.Roles.Add(role);
        db.Users.Add(NewUser("admin-id", "admin@test.local"));
        db.Users.Add(NewUser("user-id", "user@test.local"));
        db.UserRoles.Add(new IdentityUserRole<string> { UserId = "admin-id", RoleId = role.Id });
        db.UserSessions.Add(new UserSession
        {
            Id = AdminSessionId, UserId = "admin-id", CreatedAt = Engine.Clock.GetUtcNow(), LastSeenAt = Engine.Clock.GetUtcNow(), Method = "pwd",
        });
        db.SaveChanges();
    }

    private static ApplicationUser NewUser(string id, string email) => new()
    {
        Id = id,
        UserName = email,
        NormalizedUserName = email.ToUpperInvariant(),
        Email = email,
        NormalizedEmail = email.ToUpperInvariant(),
        EmailConfirmed = true,
        SecurityStamp = Guid.NewGuid().ToString(),
        LockoutEnabled = true,
    };

    /// <summary>A database that is down: every page must show an error, not break its circuit.</summary>
    private sealed class FailingDbFactory : IDbContextFactory<ApplicationDbContext>
    {
        public ApplicationDbContext CreateDbContext() => throw new InvalidOperationException("The database is unavailable.");
    }
}
