using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Badges;

public sealed class BadgeServiceTests : IDisposable
{
    private const string Ip = "198.51.100.7";
    private readonly EngineFixture _engine = new();
    private readonly BadgePolicyStore _policies;
    private readonly BadgeService _badges;
    private readonly BadgeSignInCheck _check;

    public BadgeServiceTests()
    {
        _policies = new BadgePolicyStore(_engine.Database, _engine.Audit, _engine.Clock);
        _badges = new BadgeService(_engine.Database, _policies, _engine.Audit, _engine.Clock);
        _check = CheckWith(new BadgeOptions());
    }

    private BadgeSignInCheck CheckWith(BadgeOptions limits) => new(_engine.Database, _policies, _engine.Audit, _engine.Clock,
        new AttemptLimiter(BadgeSignInCheck.FailureLimiter, BadgeSignInCheck.LimitsOf(limits), _engine.Counters));

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task Issue_StoresOnlyTheHash_AndTheBadgeSignsItsHolderIn()
    {
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");

        var badge = await _badges.IssueAsync(pupil, "admin-id", Ip);

        Assert.NotNull(badge);
        Assert.Equal(32, badge.Secret.Length);
        await using (var db = _engine.Database.CreateDbContext())
        {
            var row = await db.Badges.SingleAsync();
            Assert.Equal(Secrets.Hash(badge.Secret), row.SecretHash);
            Assert.DoesNotContain(badge.Secret, System.Text.Encoding.UTF8.GetString(row.SecretHash));
            Assert.DoesNotContain(await db.AuditEvents.Select(e => e.Details ?? "").ToListAsync(), d => d.Contains(badge.Secret));
        }

        var check = await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip);
        Assert.Equal(pupil, check.UserId);
        var typed = await _check.CheckAsync(badge.Grouped.ToLowerInvariant(), BadgeStep.FirstStep, null, Ip);
        Assert.Equal(pupil, typed.UserId);
    }

    [Fact]
    public async Task Regenerate_VoidsTheOldBadge()
    {
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");
        var old = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;

        var renewed = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;

        Assert.False((await _check.CheckAsync(old.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        Assert.True((await _check.CheckAsync(renewed.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
    }

    [Fact]
    public async Task Void_StopsTheBadge()
    {
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;

        Assert.True(await _badges.VoidAsync(pupil, "lost", pupil, Ip));

        Assert.False((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        Assert.Null(await _badges.GetUsableAsync(pupil));
        Assert.False(await _badges.VoidAsync(pupil, "lost", pupil, Ip));
    }

    [Fact]
    public async Task VoidAllOfARole_StopsThatRolesBadges_AndNoOthers()
    {
        await EnableAsync(roles: [BadgeRoles.User, BadgeRoles.Admin]);
        var pupils = new[] { await AddUserAsync("a@school.test"), await AddUserAsync("b@school.test") };
        var teacher = await AddUserAsync("teacher@school.test", admin: true);
        var sheet = await _badges.IssueForRoleAsync(BadgeRoles.User, "admin-id", Ip);
        var teacherBadge = (await _badges.IssueAsync(teacher, "admin-id", Ip))!;
        Assert.Equal(pupils.Order(), sheet.Select(b => b.UserId).Order());

        var voided = await _badges.VoidAllForRoleAsync(BadgeRoles.User, "admin-id", Ip);

        Assert.Equal(2, voided);
        foreach (var badge in sheet)
        {
            Assert.False((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        }

        Assert.Equal(teacher, (await _check.CheckAsync(teacherBadge.QrContent, BadgeStep.FirstStep, null, Ip)).UserId);
    }

    [Fact]
    public async Task ABadge_ExpiresAfterThePolicyLifetime()
    {
        await EnableAsync(lifetimeDays: 30);
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        Assert.Equal(_engine.Clock.GetUtcNow().AddDays(30), badge.ExpiresAt);

        _engine.Clock.Advance(TimeSpan.FromDays(29));
        Assert.True((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        _engine.Clock.Advance(TimeSpan.FromDays(1));
        Assert.False((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
    }

    [Fact]
    public async Task TheRulesOfThePolicy_AreKept()
    {
        var pupil = await AddUserAsync("pupil@school.test");
        var teacher = await AddUserAsync("teacher@school.test", admin: true);
        var pupilBadge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        var teacherBadge = (await _badges.IssueAsync(teacher, "admin-id", Ip))!;

        // Off by default.
        Assert.False((await _check.CheckAsync(pupilBadge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);

        // On, for the User role only: an administrator's badge does not sign in.
        await EnableAsync();
        Assert.True((await _check.CheckAsync(pupilBadge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        Assert.False((await _check.CheckAsync(teacherBadge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);

        // Second step only: a badge alone signs nobody in, after the right password it does, someone else's does not.
        await EnableAsync(firstStep: false);
        Assert.False((await _check.CheckAsync(pupilBadge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        Assert.True((await _check.CheckAsync(pupilBadge.QrContent, BadgeStep.SecondStep, pupil, Ip)).Succeeded);
        Assert.False((await _check.CheckAsync(pupilBadge.QrContent, BadgeStep.SecondStep, teacher, Ip)).Succeeded);
    }

    [Fact]
    public async Task ALockedUsersBadge_DoesNotSignIn()
    {
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        await using (var db = _engine.Database.CreateDbContext())
        {
            await db.Users.Where(u => u.Id == pupil).ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, DateTimeOffset.MaxValue));
        }

        Assert.False((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
    }

    [Fact]
    public async Task TooManyWrongBadges_FromOneAddress_AreThrottled_EvenForARightOne()
    {
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        for (var i = 0; i < BadgeSignInCheck.FailuresPerAddress; i++)
        {
            Assert.Null((await _check.CheckAsync(BadgeSecret.QrContent(BadgeSecret.Generate()), BadgeStep.FirstStep, null, Ip)).RetryAfter);
        }

        var refused = await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip);
        var elsewhere = await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, "198.51.100.8");

        Assert.False(refused.Succeeded);
        Assert.NotNull(refused.RetryAfter);
        Assert.True(elsewhere.Succeeded);
    }

    [Fact]
    public async Task AFloodOfWrongBadges_FromManyAddresses_LeavesValidBadgesWorking_ButWrongOnesWait()
    {
        var limits = new BadgeOptions { FailuresPerAddress = 5, FailuresPerHour = 50 };
        var check = CheckWith(limits);
        await EnableAsync();
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        for (var address = 0; address <= limits.FailuresPerHour / limits.FailuresPerAddress; address++)
        {
            for (var i = 0; i < limits.FailuresPerAddress; i++)
            {
                await check.CheckAsync(BadgeSecret.QrContent(BadgeSecret.Generate()), BadgeStep.FirstStep, null, $"203.0.113.{address}");
            }
        }

        var valid = await check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip);
        var wrong = await check.CheckAsync(BadgeSecret.QrContent(BadgeSecret.Generate()), BadgeStep.FirstStep, null, "198.51.100.9");

        Assert.Equal(pupil, valid.UserId);
        Assert.False(wrong.Succeeded);
        Assert.NotNull(wrong.RetryAfter);
    }

    [Fact]
    public async Task AnInvalidPolicy_IsRefused_FieldByField_AndNothingChanges()
    {
        var errors = await _policies.UpdateAsync(new BadgePolicy { LifetimeDays = -1, AllowedRoles = ["Pupil"] }, "admin-id", "admin", Ip);

        Assert.Contains(nameof(BadgePolicy.LifetimeDays), errors.Keys);
        Assert.Contains(nameof(BadgePolicy.AllowedRoles), errors.Keys);
        var policy = await _policies.GetAsync();
        Assert.Equal(0, policy.LifetimeDays);
        Assert.Equal([BadgeRoles.User], policy.AllowedRoles);
        await using var db = _engine.Database.CreateDbContext();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.BadgePolicyChange));
    }

    [Fact]
    public async Task AnIdBadge_NamesItsHolder_OnlyWhileInsecureIdBadgesAreOn()
    {
        var pupil = await AddUserAsync("pupil@school.test");
        await AddUserAsync("teacher@school.test", admin: true);
        await EnableAsync();
        Assert.False((await _check.FindIdBadgeHolderAsync(IdBadge.QrContent("pupil@school.test"), Ip)).Succeeded);

        Assert.Empty(await _policies.UpdateAsync(new BadgePolicy { Enabled = true, InsecureIdBadges = true }, "admin-id", "admin", Ip));

        Assert.Equal(pupil, (await _check.FindIdBadgeHolderAsync(IdBadge.QrContent("pupil@school.test"), Ip)).UserId);
        Assert.False((await _check.FindIdBadgeHolderAsync(IdBadge.QrContent("nobody@school.test"), Ip)).Succeeded);
        Assert.False((await _check.FindIdBadgeHolderAsync(IdBadge.QrContent("teacher@school.test"), Ip)).Succeeded);
        // An ID badge is no secret badge: it signs nobody in by itself.
        Assert.False((await _check.CheckAsync(IdBadge.QrContent("pupil@school.test"), BadgeStep.FirstStep, null, Ip)).Succeeded);
    }

    [Fact]
    public async Task ARoleThatMustGiveItsPasswordFirst_IsNotSignedInByABadgeAlone()
    {
        var pupil = await AddUserAsync("pupil@school.test");
        var badge = (await _badges.IssueAsync(pupil, "admin-id", Ip))!;
        Assert.Empty(await _policies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = true, SecondStepRoles = [BadgeRoles.User] },
            "admin-id", "admin", Ip));

        Assert.False((await _check.CheckAsync(badge.QrContent, BadgeStep.FirstStep, null, Ip)).Succeeded);
        Assert.True((await _check.CheckAsync(badge.QrContent, BadgeStep.SecondStep, pupil, Ip)).Succeeded);
    }

    private async Task EnableAsync(bool firstStep = true, int lifetimeDays = 0, List<string>? roles = null)
    {
        var errors = await _policies.UpdateAsync(new BadgePolicy
        {
            Enabled = true,
            AllowAsFirstStep = firstStep,
            LifetimeDays = lifetimeDays,
            AllowedRoles = roles ?? [BadgeRoles.User],
        }, "admin-id", "admin", Ip);
        Assert.Empty(errors);
    }

    private async Task<string> AddUserAsync(string email, bool admin = false)
    {
        await using var db = _engine.Database.CreateDbContext();
        var user = new ApplicationUser { UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email };
        db.Users.Add(user);
        if (admin)
        {
            var role = await db.Roles.SingleOrDefaultAsync(r => r.NormalizedName == "ADMIN");
            if (role is null)
            {
                role = new IdentityRole(Roles.Admin) { NormalizedName = "ADMIN" };
                db.Roles.Add(role);
            }

            db.UserRoles.Add(new IdentityUserRole<string> { UserId = user.Id, RoleId = role.Id });
        }

        await db.SaveChangesAsync();
        return user.Id;
    }
}
