using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>
/// An approval page whose form no longer passes antiforgery (the phone signed in as someone else in another tab since
/// the page was opened, or its cookies were cleared) is answered with a page that says so and how to go on, and nothing
/// is decided. Before, the answer was Blazor's empty 400: a blank page on the phone, with and without scripts.
/// </summary>
public sealed class ApprovalPageOutOfDateTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task ApprovingFromAPageOpenedBeforeSigningInAsSomeoneElse_SaysThePageIsOutOfDate_AndDecidesNothing()
    {
        var (created, phone, page) = await ApprovalPageAsync();
        // Another tab of the same phone: signed out, then in as another person.
        phone.Cookies.GetAllCookies().Where(c => c.Name.StartsWith(".AspNetCore.Identity", StringComparison.Ordinal)).ToList().ForEach(c => c.Expired = true);
        await phone.SignInWithPasswordAsync(await OtherPersonAsync(), PortalFactory.DemoPassword);

        var answer = await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });

        await AssertOutOfDateAsync(answer, created);
    }

    [Fact]
    public async Task ApprovingWithATokenThatDoesNotPass_SaysThePageIsOutOfDate_AndDecidesNothing()
    {
        var (created, phone, _) = await ApprovalPageAsync();

        var answer = await phone.Http.PostAsync($"/qr/{created.Lsi}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "qr-approval",
            ["__RequestVerificationToken"] = "CfDJ8-not-a-token",
            ["Decision"] = "approve",
        }));

        await AssertOutOfDateAsync(answer, created);
    }

    private async Task AssertOutOfDateAsync(HttpResponseMessage answer, NewQrTransaction created)
    {
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.StartsWith("text/html", answer.Content.Headers.ContentType?.ToString());
        Assert.Contains("This page is out of date", html);
        Assert.Contains("The sign-in was neither approved nor denied", html);
        // The way on: the same code's page again (the code is in the QR the person scanned; nothing secret is added).
        Assert.Contains($"href=\"/qr/{created.Lsi}\"", html);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        var row = await db.QrTransactions.SingleAsync(t => t.Id == created.Id, TestContext.Current.CancellationToken);
        Assert.Equal(QrTransactionState.Pending, row.State);
    }

    private async Task<(NewQrTransaction Created, PortalFactory.BrowserClient Phone, string Page)> ApprovalPageAsync()
    {
        var opened = await portal.OpenApprovalPageAsync();
        Assert.Contains("Approve", opened.Page);
        return (opened.Created, opened.Phone, opened.Page);
    }

    private async Task<string> OtherPersonAsync()
    {
        var email = $"other-{Guid.NewGuid():N}@test.local";
        await portal.CreateUserAsync(email);
        return email;
    }
}
