using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>The engine's side of "approval needs the approver's passkey": who needs it, and that a missing or misdirected verification approves nothing.</summary>
public sealed class ApproverPasskeyPolicyTests : IDisposable
{
    private const string Admin = "admin-1";
    private const string Member = "user-1";

    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ApproverPasskeyPolicyTests()
    {
        using var db = _engine.Database.CreateDbContext();
        db.Users.AddRange(User(Admin), User(Member));
        db.Roles.Add(new IdentityRole { Id = "role-admin", Name = Roles.Admin, NormalizedName = Roles.AdminNormalized });
        db.UserRoles.Add(new IdentityUserRole<string> { UserId = Admin, RoleId = "role-admin" });
        db.SaveChanges();
    }

    public void Dispose() => _engine.Dispose();

    [Theory]
    [InlineData(ApproverPasskeyPolicy.Off, Admin, false)]
    [InlineData(ApproverPasskeyPolicy.Off, Member, false)]
    [InlineData(ApproverPasskeyPolicy.Admins, Admin, true)]
    [InlineData(ApproverPasskeyPolicy.Admins, Member, false)]
    [InlineData(ApproverPasskeyPolicy.Everyone, Admin, true)]
    [InlineData(ApproverPasskeyPolicy.Everyone, Member, true)]
    public async Task NeedsApproverPasskey_FollowsThePolicyAndTheRole(ApproverPasskeyPolicy policy, string userId, bool expected)
    {
        await SetPolicyAsync(policy);

        Assert.Equal(expected, await Service.NeedsApproverPasskeyAsync(userId, Ct));
    }

    [Theory]
    [InlineData(ApproverPasskeyPolicy.Admins, Admin)]
    [InlineData(ApproverPasskeyPolicy.Everyone, Member)]
    public async Task Approve_WithoutVerification_WhenNeeded_IsRefusedAudited_AndStaysPending(ApproverPasskeyPolicy policy, string userId)
    {
        await SetPolicyAsync(policy);
        var created = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);

        var result = await Service.ApproveAsync(created.Lsi, userId, keepSignedIn: false, "203.0.113.11", "phone", ct: Ct);

        Assert.Equal(AttemptResult.PasskeyRequired, result);
        await using var db = _engine.Database.CreateDbContext();
        Assert.Equal(QrTransactionState.Pending, (await db.QrTransactions.SingleAsync(Ct)).State);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Refused
            && e.UserId == userId && e.Subject == created.Id.ToString() && e.Details!.Contains("passkey"), Ct));
    }

    [Fact]
    public async Task Approve_UnderAdminsPolicy_ByAMember_NeedsNoPasskey()
    {
        await SetPolicyAsync(ApproverPasskeyPolicy.Admins);
        var created = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);

        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, Member, false, null, null, ct: Ct));
    }

    [Fact]
    public async Task Approve_WithVerificationForThisUserAndTransaction_Approves()
    {
        await SetPolicyAsync(ApproverPasskeyPolicy.Everyone);
        var created = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);

        var result = await Service.ApproveAsync(created.Lsi, Member, false, null, null,
            verified: new ApproverVerification(Member, created.Id), ct: Ct);

        Assert.Equal(AttemptResult.Approved, result);
    }

    [Fact]
    public async Task Approve_WithVerificationOfAnotherUserOrTransaction_IsRefused()
    {
        await SetPolicyAsync(ApproverPasskeyPolicy.Everyone);
        var created = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);
        var other = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);

        Assert.Equal(AttemptResult.PasskeyRequired, await Service.ApproveAsync(created.Lsi, Member, false, null, null,
            verified: new ApproverVerification(Admin, created.Id), ct: Ct));
        Assert.Equal(AttemptResult.PasskeyRequired, await Service.ApproveAsync(created.Lsi, Member, false, null, null,
            verified: new ApproverVerification(Member, other.Id), ct: Ct));
    }

    [Fact]
    public async Task Deny_NeedsNoPasskey()
    {
        await SetPolicyAsync(ApproverPasskeyPolicy.Everyone);
        var created = await Service.CreateAsync(EngineFixture.Browser, ct: Ct);

        Assert.Equal(AttemptResult.Denied, await Service.DenyAsync(created.Lsi, Member, null, null, Ct));
    }

    [Fact]
    public async Task PolicyChange_IsAudited_AndKeptInTheHistory()
    {
        await SetPolicyAsync(ApproverPasskeyPolicy.Admins);

        await using var db = _engine.Database.CreateDbContext();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrSettingsChange
            && e.Details!.Contains("approver passkey off → ") && e.Details!.EndsWith("approver passkey admins"), Ct));
        var version = await db.QrSettingsVersions.OrderByDescending(v => v.Id).FirstAsync(Ct);
        Assert.Equal(ApproverPasskeyPolicy.Admins, version.ToSettings().ApproverPasskey);
    }

    [Fact]
    public void Validate_RefusesAnUnknownPolicy_NamingTheField()
    {
        var errors = QrSettingsRules.Validate(new QrSettings { ApproverPasskey = (ApproverPasskeyPolicy)7 });

        Assert.Contains(QrSettingsRules.Fields.ApproverPasskey, errors.Keys);
    }

    private async Task SetPolicyAsync(ApproverPasskeyPolicy policy)
    {
        var settings = await _engine.Settings.GetAsync(Ct);
        settings.ApproverPasskey = policy;
        Assert.Empty(await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: Ct));
    }

    private static ApplicationUser User(string id) =>
        new() { Id = id, UserName = id + "@example.test", NormalizedUserName = (id + "@example.test").ToUpperInvariant(), Email = id + "@example.test" };
}
