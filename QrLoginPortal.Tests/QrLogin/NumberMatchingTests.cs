using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>Number matching: the sign-in page shows two digits after the scan, the phone must pick them among three.</summary>
public sealed class NumberMatchingTests : IDisposable
{
    private static readonly QrRequester SignInPage = EngineFixture.Browser with { SignInPage = true };

    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _engine.Dispose();

    private async Task SwitchOnAsync()
    {
        var settings = await _engine.Settings.GetAsync(Ct);
        settings.NumberMatching = true;
        Assert.Empty(await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: Ct));
    }

    [Fact]
    public async Task Off_ByDefault_NoNumber_AndApproveNeedsNone()
    {
        var created = await Service.CreateAsync(SignInPage);

        Assert.False((await _engine.Settings.GetAsync(Ct)).NumberMatching);
        Assert.Null(created.MatchNumber);
        Assert.Null((await Service.OpenAsync(created.Lsi, "user-1", null, Ct))!.NumberChoices);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null, ct: Ct));
    }

    [Fact]
    public async Task On_ThePhoneGetsThreeDistinctTwoDigitChoices_OneOfThemTheNumberShown_TheSameOnEveryOpen()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);

        var first = await Service.OpenAsync(created.Lsi, "user-1", null, Ct);
        var again = await Service.OpenAsync(created.Lsi, "user-1", null, Ct);

        Assert.InRange(created.MatchNumber!.Value, 10, 99);
        var choices = first!.NumberChoices!;
        Assert.Equal(3, choices.Distinct().Count());
        Assert.All(choices, n => Assert.InRange(n, 10, 99));
        Assert.Contains(created.MatchNumber.Value, choices);
        // Opening again must not reveal the right one as the number that stays while the others change.
        Assert.Equal(choices, again!.NumberChoices!);
    }

    [Fact]
    public async Task On_TheRightOneIsNotAlwaysInTheSamePlace()
    {
        await SwitchOnAsync();
        var places = new HashSet<int>();
        for (var i = 0; i < 40 && places.Count < 3; i++)
        {
            var created = await Service.CreateAsync(SignInPage);
            var choices = (await Service.OpenAsync(created.Lsi, "user-1", null, Ct))!.NumberChoices!;
            places.Add(Array.IndexOf(choices.ToArray(), created.MatchNumber!.Value));
        }

        // 40 draws all missing one of three places: (2/3)^40 ≈ 1e-7.
        Assert.Equal(3, places.Count);
    }

    [Fact]
    public async Task On_TheRightNumber_Approves()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);

        var result = await Service.ApproveAsync(created.Lsi, "user-1", false, null, null, pickedNumber: created.MatchNumber, ct: Ct);

        Assert.Equal(AttemptResult.Approved, result);
        Assert.Equal(QrTransactionState.Success, (await Service.GetAsync(created.Id, created.Dsi, Ct))!.State);
    }

    [Fact]
    public async Task On_AWrongNumber_DeniesTheTransaction_PushesWhy_AndAuditsSuspectedPhishing()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);
        var pushes = new List<QrTransactionChanged>();
        using var _ = _engine.Notifier.Subscribe(created.Id, c => { pushes.Add(c); return Task.CompletedTask; });
        var wrong = created.MatchNumber == 99 ? 98 : created.MatchNumber!.Value + 1;

        var result = await Service.ApproveAsync(created.Lsi, "user-1", false, "198.51.100.7", null, pickedNumber: wrong, ct: Ct);
        var retry = await Service.ApproveAsync(created.Lsi, "user-1", false, "198.51.100.7", null, pickedNumber: created.MatchNumber, ct: Ct);

        Assert.Equal(AttemptResult.WrongNumber, result);
        Assert.Equal(AttemptResult.NotAvailable, retry);
        Assert.Equal(QrTransactionState.Failed, (await Service.GetAsync(created.Id, created.Dsi, Ct))!.State);
        var push = Assert.Single(pushes);
        Assert.True(push.WrongNumber);
        Assert.Equal(QrTransactionState.Failed, push.State);
        await using var db = _engine.Database.CreateDbContext();
        var audited = await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.QrSuspectedPhishing, Ct);
        Assert.Equal("user-1", audited.UserId);
        Assert.Equal(created.Id.ToString(), audited.Subject);
        Assert.Equal("198.51.100.7", audited.Ip);
    }

    [Fact]
    public async Task On_NoNumber_ApprovesNothing_AndLeavesItPending()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);

        var result = await Service.ApproveAsync(created.Lsi, "user-1", false, null, null, ct: Ct);

        Assert.Equal(AttemptResult.NotAvailable, result);
        Assert.Equal(QrTransactionState.Pending, (await Service.GetAsync(created.Id, created.Dsi, Ct))!.State);
    }

    [Fact]
    public async Task On_AWrongNumber_WithTheTypedCode_DeniesToo()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);
        var wrong = created.MatchNumber == 10 ? 11 : created.MatchNumber!.Value - 1;

        Assert.Equal(AttemptResult.WrongNumber, await Service.ApproveByUserCodeAsync(created.UserCode, "user-1", false, null, null, wrong, ct: Ct));
        Assert.Equal(QrTransactionState.Failed, (await Service.GetAsync(created.Id, created.Dsi, Ct))!.State);
    }

    [Fact]
    public async Task On_DenyNeedsNoNumber()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(SignInPage);

        Assert.Equal(AttemptResult.Denied, await Service.DenyAsync(created.Lsi, "user-1", null, null, Ct));
    }

    [Fact]
    public async Task On_CodesOfApiClients_ShowNoNumber_AndApproveAsBefore()
    {
        await SwitchOnAsync();
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.Null(created.MatchNumber);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null, ct: Ct));
    }

    [Fact]
    public async Task WrongNumbers_AreNoGuesses_AndSpendNoBudget()
    {
        await SwitchOnAsync();
        for (var i = 0; i < 12; i++)
        {
            var created = await Service.CreateAsync(SignInPage);
            var wrong = created.MatchNumber == 99 ? 98 : created.MatchNumber!.Value + 1;
            Assert.Equal(AttemptResult.WrongNumber, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null, pickedNumber: wrong, ct: Ct));
        }

        var next = await Service.CreateAsync(SignInPage);
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(next.Lsi, "user-1", false, null, null, pickedNumber: next.MatchNumber, ct: Ct));
    }
}
