using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>The code to type when the phone's camera fails: a second secret of the transaction, on the lsi's budgets.</summary>
public sealed class UserCodeTests : IDisposable
{
    private static readonly QrRequester SignInPage = EngineFixture.Browser with { SignInPage = true };

    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task Create_ForTheSignInPage_GivesEightUnambiguousSymbols_StoredOnlyAsAKeyedHash()
    {
        var created = await Service.CreateAsync(SignInPage);

        Assert.NotNull(created.UserCode);
        Assert.Equal(UserCodes.Length, created.UserCode.Length);
        Assert.All(created.UserCode, c => Assert.Contains(c, QrLoginDefaults.UnambiguousCharset));
        Assert.Equal(40, UserCodes.Bits, precision: 6);
        await using var db = _engine.Database.CreateDbContext();
        var row = await db.QrTransactions.SingleAsync(Ct);
        Assert.NotNull(row.UserCodeHash);
        // Not the plain SHA-256 the lsi is stored under: 40 bits of that could be searched from a copy of the database.
        Assert.NotEqual(Secrets.Hash(created.UserCode), row.UserCodeHash);
        Assert.DoesNotContain(created.UserCode, System.Text.Encoding.UTF8.GetString(row.UserCodeHash));
    }

    [Fact]
    public async Task Create_ForAnApiClient_ShowsNoCode()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.Null(created.UserCode);
        await using var db = _engine.Database.CreateDbContext();
        Assert.Null((await db.QrTransactions.SingleAsync(Ct)).UserCodeHash);
    }

    [Theory]
    [InlineData("ABCD-EFGH", "ABCDEFGH")]
    [InlineData("abcd efgh", "ABCDEFGH")]
    [InlineData(" abcdefgh ", "ABCDEFGH")]
    [InlineData("AB-CD-EF-GH", "ABCDEFGH")]
    [InlineData("ABCDEFG", null)]
    [InlineData("ABCDEFGHJ", null)]
    [InlineData("ABCD-EFG0", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Normalize_AcceptsCaseSpacesAndHyphens_AndNothingThatCannotBeACode(string? typed, string? expected) =>
        Assert.Equal(expected, UserCodes.Normalize(typed));

    [Fact]
    public async Task TheTypedCode_InLowerCaseWithoutTheDash_OpensAndApprovesLikeTheScan()
    {
        var created = await Service.CreateAsync(SignInPage);
        var pushes = new List<QrTransactionChanged>();
        using var _ = _engine.Notifier.Subscribe(created.Id, c => { pushes.Add(c); return Task.CompletedTask; });
        var typed = created.UserCode!.ToLowerInvariant().Insert(4, " ");

        var request = await Service.OpenByUserCodeAsync(typed, "user-1", "198.51.100.7", Ct);
        var result = await Service.ApproveByUserCodeAsync(typed, "user-1", keepSignedIn: false, "198.51.100.7", "phone", ct: Ct);

        Assert.Equal(created.Id, request!.Id);
        Assert.Equal(AttemptResult.Approved, result);
        Assert.True(pushes[0].Scanned);
        Assert.Equal(QrTransactionState.Success, pushes[^1].State);
        Assert.Equal("user-1", (await Service.GetAsync(created.Id, created.Dsi, Ct))!.UserId);
    }

    [Fact]
    public async Task TheTypedCode_IsSingleUse_AndDiesWithTheLsi()
    {
        var first = await Service.CreateAsync(SignInPage);
        var second = await Service.CreateAsync(SignInPage);

        Assert.Equal(AttemptResult.Approved, await Service.ApproveByUserCodeAsync(first.UserCode, "user-1", false, null, null, ct: Ct));
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveByUserCodeAsync(first.UserCode, "user-2", false, null, null, ct: Ct));
        Assert.Null(await Service.OpenByUserCodeAsync(first.UserCode, "user-2", null, Ct));

        // Approved by its QR code, the code typed for the same transaction is spent as well.
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(second.Lsi, "user-1", false, null, null, ct: Ct));
        Assert.Equal(AttemptResult.NotAvailable, await Service.DenyByUserCodeAsync(second.UserCode, "user-2", null, null, Ct));
        Assert.Equal("user-1", (await Service.GetAsync(first.Id, first.Dsi, Ct))!.UserId);
    }

    [Fact]
    public async Task TheTypedCode_ExpiresWithTheTransaction()
    {
        var created = await Service.CreateAsync(SignInPage);
        _engine.Clock.Advance(created.ExpiresAt - _engine.Clock.GetUtcNow());

        Assert.Null(await Service.OpenByUserCodeAsync(created.UserCode, "user-1", null, Ct));
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveByUserCodeAsync(created.UserCode, "user-1", false, null, null, ct: Ct));
    }

    [Fact]
    public async Task TheLsi_IsNoTypedCode_AndTheTypedCodeIsNoLsi()
    {
        var created = await Service.CreateAsync(SignInPage);

        Assert.Null(await Service.OpenAsync(created.UserCode, "user-1", null, Ct));
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveByUserCodeAsync(created.Lsi, "user-1", false, null, null, ct: Ct));
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(created.Id, created.Dsi, Ct))!.State);
    }

    [Fact]
    public async Task WrongTypedCodes_SpendTheUsersBudget_ThatTheLsiSpendsToo()
    {
        var real = await Service.CreateAsync(SignInPage);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await Service.OpenByUserCodeAsync($"WRNG-CDE{i + 2}", "guesser", null, Ct));
            Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveByUserCodeAsync($"WRNG-CDF{i + 2}", "guesser", false, null, null, ct: Ct));
        }

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenByUserCodeAsync(real.UserCode, "guesser", null, Ct));
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "guesser", null, Ct));
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(real.Id, real.Dsi, Ct))!.State);
        Assert.NotNull(await Service.OpenByUserCodeAsync(real.UserCode, "honest", null, Ct));
    }

    [Fact]
    public async Task MalformedTypedCodes_CountAsFailures_Too()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await Service.OpenByUserCodeAsync("not a code at all " + i, "guesser", null, Ct));
        }

        var real = await Service.CreateAsync(SignInPage);
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenByUserCodeAsync(real.UserCode, "guesser", null, Ct));
    }

    [Fact]
    public async Task ManyGuessersOfTypedCodes_ExhaustTheGlobalBudget_ForThoseWhoGuessed()
    {
        for (var i = 0; i < 50; i++)
        {
            await Service.OpenByUserCodeAsync(UserCodes.Generate(), $"sprayer-{i % 25}", null, Ct);
        }

        var real = await Service.CreateAsync(SignInPage);

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenByUserCodeAsync(real.UserCode, "sprayer-3", null, Ct));
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Service.OpenAsync(real.Lsi, "sprayer-3", null, Ct));
        Assert.NotNull(await Service.OpenByUserCodeAsync(real.UserCode, "honest-user-without-failures", null, Ct));
    }

    [Fact]
    public async Task EveryTypedAttempt_IsAudited_WithoutTheCode()
    {
        var real = await Service.CreateAsync(SignInPage);
        await Service.OpenByUserCodeAsync("WRNG-CDE2", "guesser", "198.51.100.9", Ct);
        await Service.ApproveByUserCodeAsync(real.UserCode, "user-1", false, "198.51.100.7", null, ct: Ct);

        await using var db = _engine.Database.CreateDbContext();
        var events = await db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Contains(events, e => e.Type == AuditTypes.QrScan && e.Outcome == AuditOutcomes.Refused && e.UserId == "guesser");
        Assert.Contains(events, e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Success && e.Details == "typed code");
        Assert.All(events, e => Assert.DoesNotContain(real.UserCode!, e.Details ?? ""));
        Assert.All(events, e => Assert.DoesNotContain("WRNGCDE2", (e.Details ?? "").Replace("-", "")));
    }

    [Fact]
    public async Task SwitchedOff_NoCodeIsShown_AndTypingIsRefused()
    {
        var before = await Service.CreateAsync(SignInPage);
        var settings = await _engine.Settings.GetAsync(Ct);
        settings.UserCodeEnabled = false;
        Assert.Empty(await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: Ct));

        var after = await Service.CreateAsync(SignInPage);

        Assert.Null(after.UserCode);
        Assert.False(await Service.UserCodesAvailableAsync(Ct));
        await Assert.ThrowsAsync<UserCodesDisabledException>(() => Service.OpenByUserCodeAsync(before.UserCode, "user-1", null, Ct));
        await Assert.ThrowsAsync<UserCodesDisabledException>(() => Service.ApproveByUserCodeAsync(before.UserCode, "user-1", false, null, null, ct: Ct));
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(before.Id, before.Dsi, Ct))!.State);
        await using var db = _engine.Database.CreateDbContext();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrSettingsChange && e.Details!.Contains("→ lsi") && e.Details.EndsWith("typed code off, number matching off, approver passkey off"), Ct));
    }

    [Fact]
    public async Task OnASharedDatabaseWithoutAConfiguredKey_TypedCodesStayOff()
    {
        Assert.False(UserCodeKey.From(null, singleNode: false).Shared);
        Assert.True(UserCodeKey.From(Convert.ToBase64String(new byte[32]), singleNode: false).Shared);
        Assert.True(UserCodeKey.From(null, singleNode: true).Shared);
    }

    [Fact]
    public void TheSameConfiguredKey_HashesAlikeOnEveryNode_AndAnotherKeyDoesNot()
    {
        var key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

        Assert.Equal(UserCodeKey.From(key, false).Hash("ABCDEFGH"), UserCodeKey.From(key, false).Hash("ABCDEFGH"));
        Assert.NotEqual(UserCodeKey.From(key, false).Hash("ABCDEFGH"), UserCodeKey.ForThisProcess().Hash("ABCDEFGH"));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]
    public void AKeyThatIsNotBase64OfThirtyTwoBytes_StopsTheStart(string key)
    {
        var options = new QrLoginOptions { UserCodeKey = key };

        var results = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(QrLoginOptions.UserCodeKey)));
    }
}
