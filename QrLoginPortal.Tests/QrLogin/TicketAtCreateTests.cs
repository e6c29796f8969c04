using Microsoft.EntityFrameworkCore;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// The sign-in ticket of a browser-bound code is made with the code (issue 16: the approval's push then needs no
/// database write before the page can show the ticket form). Made early, it keeps every rule of a ticket: it is
/// refused before the approval and after a deny or expiry, lives 30 s from the approval, is redeemed once and only
/// by the browser the code was made for.
/// </summary>
public sealed class TicketAtCreateTests : IDisposable
{
    private readonly EngineFixture _engine = new();
    private QrLoginService Service => _engine.Service;
    private QrTicketService Tickets => _engine.Tickets;
    private static byte[] Binding => EngineFixture.Browser.BrowserBindingHash!;

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task ABrowserBoundCode_ComesWithATicket_StoredOnlyAsItsHash()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        Assert.False(string.IsNullOrEmpty(created.Ticket));
        await using var db = _engine.Database.CreateDbContext();
        var row = await db.QrTransactions.SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(Secrets.Hash(created.Ticket), row.TicketHash);
        Assert.Null(row.TicketExpiresAt);
    }

    [Fact]
    public async Task ACodeForAnApiClient_HasNoTicket()
    {
        var created = await Service.CreateAsync(new QrRequester("203.0.113.10", "curl/8"));

        Assert.Null(created.Ticket);
    }

    [Fact]
    public async Task TheTicket_IsRefusedBeforeTheApproval_ThenRedeemedOnce()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.OpenAsync(created.Lsi, "user-1", null);

        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
        Assert.Equal(AttemptResult.Approved, await Service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: true, null, null));

        var first = await Tickets.RedeemTicketAsync(created.Ticket, Binding, null);
        Assert.NotNull(first);
        Assert.Equal("user-1", first.UserId);
        Assert.True(first.KeepSignedIn);
        Assert.Equal(created.Id, first.TransactionId);
        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
    }

    [Fact]
    public async Task TheTicket_FromAnotherBrowser_IsRefused()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Secrets.Hash("another browser's cookie"), null));
        Assert.NotNull(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
    }

    [Fact]
    public async Task TheTicket_Lives30SecondsFromTheApproval_NotFromTheCode()
    {
        var early = await Service.CreateAsync(EngineFixture.Browser);
        var late = await Service.CreateAsync(EngineFixture.Browser);
        // Long after the codes were made, well within their 120 s: the tickets' time starts at the approval.
        _engine.Clock.Advance(TimeSpan.FromSeconds(100));
        await Service.ApproveAsync(early.Lsi, "user-1", false, null, null);
        await Service.ApproveAsync(late.Lsi, "user-1", false, null, null);

        _engine.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(await Tickets.RedeemTicketAsync(early.Ticket, Binding, null));
        _engine.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Tickets.RedeemTicketAsync(late.Ticket, Binding, null));
    }

    [Fact]
    public async Task TheTicket_OfADeniedCode_IsRefused()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        await Service.DenyAsync(created.Lsi, "user-1", null, null);

        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
    }

    [Fact]
    public async Task TheTicket_OfAnExpiredCode_IsRefused()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);

        _engine.Clock.Advance(TimeSpan.FromSeconds(121));
        await _engine.Sweeper.ExpireOverdueAsync(TestContext.Current.CancellationToken);

        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
        Assert.Equal(AttemptResult.NotAvailable, await Service.ApproveAsync(created.Lsi, "user-1", false, null, null));
        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
    }

    [Fact]
    public async Task AnIssuedTicket_ReplacesTheOneMadeAtCreate()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        var issued = await Tickets.IssueTicketAsync(created.Id, created.Dsi);

        Assert.Null(await Tickets.RedeemTicketAsync(created.Ticket, Binding, null));
        Assert.NotNull(await Tickets.RedeemTicketAsync(issued, Binding, null));
    }

    [Fact]
    public async Task OnApproval_ThePageGetsTheTicketMadeAtCreate()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        var ticket = await Tickets.TicketOnApprovalAsync(created);

        Assert.Equal(created.Ticket, ticket);
        Assert.NotNull(await Tickets.RedeemTicketAsync(ticket, Binding, null));
    }

    [Fact]
    public async Task OnApproval_WithQrSignInSwitchedOffSince_ThePageGetsNoTicket()
    {
        var created = await Service.CreateAsync(EngineFixture.Browser);
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);
        var settings = await _engine.Settings.GetAsync(TestContext.Current.CancellationToken);
        settings.Enabled = false;
        await _engine.Settings.UpdateAsync(settings, "admin", "admin", null, ct: TestContext.Current.CancellationToken);

        Assert.Null(await Tickets.TicketOnApprovalAsync(created));
    }

    [Fact]
    public async Task OnApproval_ACodeMadeWithoutATicket_GetsOneIssued()
    {
        // A code made before this change (or by a caller without one) still reaches its sign-in.
        var created = await Service.CreateAsync(EngineFixture.Browser) with { Ticket = null };
        await Service.ApproveAsync(created.Lsi, "user-1", false, null, null);

        var ticket = await Tickets.TicketOnApprovalAsync(created);

        Assert.NotNull(await Tickets.RedeemTicketAsync(ticket, Binding, null));
    }
}
