using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class QrSettingsPageTests : AdminPageTestContext
{
    [Fact]
    public void ExplainsLsiAndDsiInPlainWords_NextToTheTechnicalNames()
    {
        var cut = Render<QrSettingsPage>();

        cut.WaitForAssertion(() => Assert.Contains("the QR code carries to the phone", cut.Find("[data-testid=lsi-explained]").TextContent));
        Assert.Contains("login session index", cut.Markup);
        Assert.Contains("only the browser that showed the code", cut.Find("[data-testid=dsi-explained]").TextContent);
        Assert.Contains("device session index", cut.Markup);
    }

    [Fact]
    public void ShowsTheSettingsInForce_WithTheirEntropy()
    {
        var cut = Render<QrSettingsPage>();

        cut.WaitForAssertion(() => Assert.Equal("13", Input(cut, "lsi-length").GetAttribute("value")));
        Assert.Equal(QrLoginDefaults.UnambiguousCharset, Input(cut, "lsi-charset").GetAttribute("value"));
        Assert.Contains("65 bits", cut.Find("[data-testid=lsi-entropy]").TextContent);
        Assert.Equal(13, cut.Find("[data-testid=sample-lsi]").TextContent.Length);
        Assert.Empty(cut.FindAll("[data-testid=lsi-warning]"));
    }

    [Fact]
    public async Task ThePhoneCodeSwitches_AreSaved_AndAudited()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => cut.Find("input[data-testid=number-matching], [data-testid=number-matching] input"));

        await cut.Find("input[data-testid=number-matching], [data-testid=number-matching] input").ChangeAsync(new() { Value = true });
        await cut.Find("input[data-testid=user-code-enabled], [data-testid=user-code-enabled] input").ChangeAsync(new() { Value = false });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        var stored = await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync();
        Assert.True(stored.NumberMatching);
        Assert.False(stored.UserCodeEnabled);
        await using var db = Engine.Database.CreateDbContext();
        var change = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrSettingsChange, Xunit.TestContext.Current.CancellationToken);
        Assert.EndsWith("typed code on, number matching off, approver passkey off → lsi 13×[ABCDEFGHJKLMNPQRSTUVWXYZ23456789], dsi 40×[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789], expiry 120s, enabled, typed code off, number matching on, approver passkey off", change.Details);
    }

    [Fact]
    public async Task InvalidInput_ShowsTheMessage_AndSavesNothing()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "3" });
        cut.WaitForAssertion(() => Assert.Contains("The lsi length must be between 4 and 64", cut.Markup));
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Nothing was saved", cut.Find("[data-testid=save-message]").TextContent));
        var stored = await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync();
        Assert.Equal(13, stored.LsiLength);
        await using var db = Engine.Database.CreateDbContext();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrSettingsChange));
    }

    [Fact]
    public async Task ARefusedSave_HighlightsTheRefusedField_WithItsOwnMessage_EvenAfterItLostFocus()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "3" });
        // Clicking Save takes the focus from the field first.
        await Input(cut, "lsi-length").BlurAsync(new());
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Nothing was saved", cut.Find("[data-testid=save-message]").TextContent));
        var field = Field(cut, "lsi-length");
        Assert.Contains("mud-input-error", field.InnerHtml);
        Assert.Contains("The lsi length must be between 4 and 64", field.TextContent);
        Assert.DoesNotContain("mud-input-error", Field(cut, "dsi-length").InnerHtml);
    }

    [Fact]
    public async Task ANewError_ReplacesThePreviousSavesSuccessMessage()
    {
        var toasts = Render<MudBlazor.MudSnackbarProvider>();
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        toasts.WaitForAssertion(() => Assert.Contains("QR settings saved", toasts.Markup));

        await Input(cut, "expiry").InputAsync(new() { Value = "1" });

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=save-message]")));
        toasts.WaitForAssertion(() => Assert.DoesNotContain("QR settings saved", toasts.Markup));
        Assert.Contains("The expiry must be between", Field(cut, "expiry").TextContent);
    }

    [Theory]
    [InlineData("lsi-charset", "ab", "refused")]
    [InlineData("lsi-length", "6", "warning")]
    [InlineData(null, null, "good")]
    public async Task TheEntropyMeter_SaysRefusedWarningOrGood(string? field, string? value, string word)
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        if (field is not null)
        {
            await Input(cut, field).InputAsync(new() { Value = value });
        }

        cut.WaitForAssertion(() => Assert.Equal(word, cut.Find("[data-testid=lsi-meter-word]").TextContent.Trim()));
        Assert.NotNull(cut.Find("[data-testid=lsi-meter] .mud-progress-linear"));
        Assert.Equal("good", cut.Find("[data-testid=dsi-meter-word]").TextContent.Trim());
    }

    [Fact]
    public async Task InvalidCharset_NamesTheOffendingSymbols()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "dsi-charset"));

        await Input(cut, "dsi-charset").InputAsync(new() { Value = "abc/def" });

        cut.WaitForAssertion(() => Assert.Contains("not allowed: '/'", cut.Markup));
    }

    [Fact]
    public async Task WeakButAcceptedLsi_ShowsTheWarningWithGuesses()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "6" });

        cut.WaitForAssertion(() => Assert.Contains("guesses", cut.Find("[data-testid=lsi-warning]").TextContent));
        Assert.Contains("30 bits", cut.Find("[data-testid=lsi-entropy]").TextContent);
    }

    [Fact]
    public async Task ValidChange_IsSaved_Audited_AndUsedByTheNextCode()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await Input(cut, "expiry").InputAsync(new() { Value = "60" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        var created = await Engine.Service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(16, created.Lsi.Length);
        Assert.Equal(Engine.Clock.GetUtcNow().AddSeconds(60), created.ExpiresAt);
        await using var db = Engine.Database.CreateDbContext();
        var audit = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrSettingsChange);
        Assert.Equal("admin-id", audit.UserId);
        Assert.Contains("lsi 13", audit.Details);
        Assert.Contains("lsi 16", audit.Details);
    }

    [Fact]
    public async Task ApproverPasskeyPolicy_IsSaved_Audited_AndAsksAdminsForTheirPasskey()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=approver-passkey]"));

        var admins = cut.FindAll("[data-testid=approver-passkey] input[type=radio]")[1];
        await admins.ClickAsync(new());
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        Assert.Equal(ApproverPasskeyPolicy.Admins, (await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync()).ApproverPasskey);
        await using var db = Engine.Database.CreateDbContext();
        var audit = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrSettingsChange);
        Assert.Contains("approver passkey off → ", audit.Details);
        Assert.EndsWith("approver passkey admins", audit.Details);
    }

    [Fact]
    public async Task NonAdmin_CannotSave_EvenThroughTheCircuit()
    {
        Auth.SetAuthorized("user@test.local");
        Auth.SetRoles();
        Auth.SetPolicies();
        // Signed in, in a live session: only the missing role refuses the save.
        var session = await new SessionStore(Engine.Database, Engine.Audit, Engine.Clock).StartAsync("user-id", "pwd", false, null, null);
        Auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "user-id"), new Claim(SessionStore.SessionClaim, session.ToString()));
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Markup));
        Assert.Equal(13, (await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync()).LsiLength);
    }

    [Fact]
    public async Task AdminDemotedWhileThePageIsOpen_CannotSave()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        await using (var db = Engine.Database.CreateDbContext())
        {
            await db.UserRoles.Where(ur => ur.UserId == "admin-id").ExecuteDeleteAsync();
        }

        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Markup));
        Assert.Equal(13, (await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync()).LsiLength);
    }

    [Fact]
    public async Task AdminLockedByAnotherAdminWhileThePageIsOpen_CannotSave()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        await using (var db = Engine.Database.CreateDbContext())
        {
            var admin = await db.Users.SingleAsync(u => u.Id == "admin-id");
            admin.LockoutEnd = QrLoginPortal.Data.ApplicationUser.AdminLockEnd;
            await db.SaveChangesAsync();
        }

        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer an administrator", cut.Markup));
    }

    [Fact]
    public async Task AdminLockedOutByOthersWrongPasswordsWhileThePageIsOpen_CanStillSave()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        await using (var db = Engine.Database.CreateDbContext())
        {
            // What Identity sets after too many wrong passwords: it blocks new sign-ins, not this open console.
            var admin = await db.Users.SingleAsync(u => u.Id == "admin-id");
            admin.LockoutEnd = Engine.Clock.GetUtcNow().AddMinutes(5);
            await db.SaveChangesAsync();
        }

        await Input(cut, "lsi-length").InputAsync(new() { Value = "14" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        Assert.Equal(14, (await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync()).LsiLength);
    }

    [Fact]
    public async Task SavingAStaleCopy_IsRefused_AndKeepsTheOtherAdminsChange()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));
        var meanwhile = await Engine.Settings.GetAsync();
        meanwhile.Enabled = false;
        Engine.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await Engine.Settings.UpdateAsync(meanwhile, "other-admin", "other@test.local", null));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("changed by other@test.local", cut.Find("[data-testid=save-message]").TextContent));
        var stored = await Engine.Settings.GetAsync();
        Assert.False(stored.Enabled);
        Assert.Equal(13, stored.LsiLength);
    }

    [Fact]
    public async Task TwoSavesInARow_FromTheSamePage_BothSucceed()
    {
        var cut = Render<QrSettingsPage>();
        cut.WaitForAssertion(() => Input(cut, "lsi-length"));

        await Input(cut, "lsi-length").InputAsync(new() { Value = "16" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        Engine.Clock.Advance(TimeSpan.FromTicks(1234));
        await Input(cut, "lsi-length").InputAsync(new() { Value = "17" });
        await cut.Find("button[data-testid=save]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid=save-message]").TextContent));
        Assert.Equal(17, (await new QrSettingsStore(Engine.Database, Engine.Audit, Engine.Clock).GetAsync()).LsiLength);
    }

    /// <summary>The whole field (input, helper and error text), for what it shows around the input.</summary>
    private static IElement Field(IRenderedComponent<QrSettingsPage> cut, string testId) =>
        Input(cut, testId).Closest(".mud-input-control")!;

    private static IElement Input(IRenderedComponent<QrSettingsPage> cut, string testId) =>
        cut.FindAll($"input[data-testid={testId}]").FirstOrDefault() ?? cut.Find($"[data-testid={testId}] input");
}
