using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>
/// "Approval needs the approver's passkey" over HTTP against the real app, with the policy on for everyone: the
/// phone's session alone no longer approves; an assertion of the user's own passkey, user-verified, for this
/// transaction's challenge, once, does. The authenticator is <see cref="SoftPasskey"/>.
/// </summary>
public sealed partial class ApproverPasskeyTests : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private const string Origin = "http://localhost";
    private readonly PortalFactory _portal;

    public ApproverPasskeyTests(PortalFactory portal) => _portal = portal;

    private QrLoginService Engine => _portal.Services.GetRequiredService<QrLoginService>();

    public async ValueTask InitializeAsync()
    {
        var store = _portal.Services.GetRequiredService<QrSettingsStore>();
        var settings = await store.GetAsync();
        if (settings.ApproverPasskey != ApproverPasskeyPolicy.Everyone)
        {
            settings.ApproverPasskey = ApproverPasskeyPolicy.Everyone;
            Assert.Empty(await store.UpdateAsync(settings, null, "test", null));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Approve_WithTheUsersOwnPasskey_UserVerified_Approves()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, passkey.Answer(Options(page), Origin, userId));

        Assert.Contains("Approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Success, await StateAsync(created));
    }

    [Fact]
    public async Task Approve_FromAFormPostWithOriginNull_AsOurReferrerPolicyMakesBrowsersSend_Approves()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        phone.Http.DefaultRequestHeaders.Remove("Origin");
        phone.Http.DefaultRequestHeaders.Add("Origin", "null");
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, passkey.Answer(Options(page), Origin, userId));

        Assert.Contains("Approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Success, await StateAsync(created));
    }

    [Fact]
    public async Task Approve_WithAnAssertionMadeOnAnotherSite_IsRefused()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, passkey.Answer(Options(page), "https://relay.example", userId));

        Assert.Contains("Not approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        await AssertRefusalAuditedAsync(userId, created, "origin");
    }

    [Fact]
    public async Task Approve_WithoutAnAssertion_IsRefused_Audited_AndStaysPending()
    {
        var (phone, userId, _) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, credentialJson: null);

        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Not approved", html);
        Assert.Contains("nothing was approved", html);
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        await AssertRefusalAuditedAsync(userId, created, "no assertion");
    }

    [Fact]
    public async Task Approve_WithoutUserVerification_IsRefused_AndAudited()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, passkey.Answer(Options(page), Origin, userId, userVerified: false));

        Assert.Contains("Not approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        // Identity's handler refuses it already; the portal's own check of the flag stands behind it.
        await AssertRefusalAuditedAsync(userId, created, "verif");
    }

    [Fact]
    public async Task Approve_WithAnotherUsersPasskey_IsRefused_AndAudited()
    {
        var (phone, userId, _) = await PhoneWithPasskeyAsync();
        var (_, otherId, othersPasskey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var response = await PostApprovalAsync(phone, created.Lsi, page, othersPasskey.Answer(Options(page), Origin, otherId));

        Assert.Contains("Not approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        await AssertRefusalAuditedAsync(userId, created, "not accepted");
    }

    [Fact]
    public async Task AReplayedAssertion_IsRefused_TheChallengeIsSingleUse()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();
        var decoy = await NewTransactionAsync();
        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var assertion = passkey.Answer(Options(page), Origin, userId);

        // The answer is spent on a post that approves nothing (another code)...
        await PostApprovalAsync(phone, decoy.Lsi, page, assertion);
        Assert.Equal(QrTransactionState.Pending, await StateAsync(decoy));
        // ...and the same answer, replayed where it belongs, no longer counts.
        var replayed = await PostApprovalAsync(phone, created.Lsi, page, assertion);

        Assert.Contains("Not approved", await replayed.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        await AssertRefusalAuditedAsync(userId, null, "no live challenge");
    }

    [Fact]
    public async Task AnAssertionForAnotherTransactionsChallenge_IsRefused()
    {
        var (phone, userId, passkey) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();
        var other = await NewTransactionAsync();
        var pageOfCreated = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var pageOfOther = await phone.GetPageAsync($"/qr/{other.Lsi}");

        // The other page's ceremony, answered with the challenge of this one.
        var response = await PostApprovalAsync(phone, other.Lsi, pageOfOther, passkey.Answer(Options(pageOfCreated), Origin, userId));

        Assert.Contains("Not approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(other));
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
    }

    [Fact]
    public async Task AUserWithoutAPasskey_IsSentToAddOne_AndCannotApprove()
    {
        var email = $"nopasskey-{Guid.NewGuid():N}@test.local";
        await _portal.CreateUserAsync(email);
        using var phone = _portal.CreateBrowser(PhoneAgent);
        await phone.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        var created = await NewTransactionAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");

        Assert.Contains("data-approver-passkey-missing", page);
        Assert.Contains($"/Account/Manage/Passkeys?returnUrl={Uri.EscapeDataString("/qr/" + created.Lsi)}", WebUtility.HtmlDecode(page));
        Assert.Matches("<button[^>]*value=\"approve\"[^>]*disabled", page);
        var response = await PostApprovalAsync(phone, created.Lsi, page, credentialJson: null);
        Assert.Contains("Not approved", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
    }

    [Fact]
    public async Task TheApi_WithThePhonesSessionCookie_CannotApprove()
    {
        var (phone, userId, _) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();

        var response = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{created.Id}", new { lsi = created.Lsi });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("passkey_required", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Pending, await StateAsync(created));
        await AssertRefusalAuditedAsync(userId, created, "passkey");
    }

    [Fact]
    public async Task Deny_NeedsNoPasskey()
    {
        var (phone, _, _) = await PhoneWithPasskeyAsync();
        var created = await NewTransactionAsync();
        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");

        var response = await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "deny" });

        Assert.Contains("Sign-in denied", await response.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Failed, await StateAsync(created));
    }

    private const string PhoneAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";

    /// <summary>A new user with a passkey, signed in (with their password) on a phone; the phone's posts carry the page's origin, as a browser's do.</summary>
    private async Task<(PortalFactory.BrowserClient Phone, string UserId, SoftPasskey Passkey)> PhoneWithPasskeyAsync()
    {
        var email = $"phone-{Guid.NewGuid():N}@test.local";
        var userId = await _portal.CreateUserAsync(email);
        var passkey = new SoftPasskey();
        await passkey.RegisterAsync(_portal, userId);
        var phone = _portal.CreateBrowser(PhoneAgent);
        phone.Http.DefaultRequestHeaders.Add("Origin", Origin);
        await phone.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return (phone, userId, passkey);
    }

    private Task<NewQrTransaction> NewTransactionAsync() =>
        Engine.CreateAsync(new QrRequester("203.0.113.10", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0 Safari/537.36", new byte[32]));

    private static Task<HttpResponseMessage> PostApprovalAsync(PortalFactory.BrowserClient phone, string lsi, string page, string? credentialJson)
    {
        var fields = new Dictionary<string, string>
        {
            ["Decision"] = "approve",
            ["PasskeyCeremony"] = CeremonyInput().Match(page).Groups[1].Value,
        };
        if (credentialJson is not null)
        {
            fields["PasskeyCredentialJson"] = credentialJson;
        }

        return phone.PostFormAsync($"/qr/{lsi}", page, "qr-approval", fields);
    }

    private static string Options(string page)
    {
        var match = OptionsAttribute().Match(page);
        Assert.True(match.Success, "The approval page carries no passkey request");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private async Task<QrTransactionState> StateAsync(NewQrTransaction created) => (await Engine.GetAsync(created.Id, created.Dsi))!.State;

    private async Task AssertRefusalAuditedAsync(string userId, NewQrTransaction? created, string reason)
    {
        await using var db = _portal.Database.CreateDbContext();
        var refusals = await db.AuditEvents.Where(e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Refused && e.UserId == userId)
            .ToListAsync();
        Assert.True(refusals.Any(e => e.Details!.Contains(reason, StringComparison.OrdinalIgnoreCase) && (created is null || e.Subject == created.Id.ToString())),
            $"No refusal for \"{reason}\" among: {string.Join(" | ", refusals.Select(e => e.Details))}");
        Assert.DoesNotContain(refusals, e => e.Details!.Contains("\"signature\""));
    }

    [GeneratedRegex("<approver-passkey options=\"([^\"]*)\"")]
    private static partial Regex OptionsAttribute();

    [GeneratedRegex("name=\"PasskeyCeremony\" value=\"([^\"]+)\"")]
    private static partial Regex CeremonyInput();
}
