using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;
using QrLoginPortal.Email;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Sessions;

/// <summary>
/// "New sign-in to your account": after each QR sign-in the account's address is told which
/// browser, system, address and time, with a link to the signed-in browsers page where that
/// session can be ended, as the large identity providers do. Queued, so it never delays or fails the sign-in.
/// </summary>
public sealed class NewSignInNotices(MailQueue queue, IDbContextFactory<ApplicationDbContext> dbFactory, IHttpContextAccessor http)
{
    /// <summary>The session methods that are QR sign-ins: the browser's ticket and the module-chain API.</summary>
    private static readonly HashSet<string> QrMethods = ["qr", "qr-api"];

    public const string SessionsPath = "/account/sessions";

    /// <summary>Queues the notice when <paramref name="method"/> is a QR sign-in (called as the session starts).</summary>
    public void SessionStarted(string userId, string method, string? ip, string? userAgent, DateTimeOffset at)
    {
        if (!QrMethods.Contains(method))
        {
            return;
        }

        // The origin is read now, while the sign-in's request is at hand.
        var origin = http.HttpContext is { } context ? PublicOrigin.Of(context) : "";
        queue.Enqueue("new-sign-in", async ct =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var email = await db.Users.AsNoTracking().Where(u => u.Id == userId && u.Email != null).Select(u => u.Email).SingleOrDefaultAsync(ct);
            return email is null ? null : Compose(email, UserAgentSummary.Parse(userAgent), ip, at, origin + SessionsPath);
        });
    }

    private static EmailMessage Compose(string email, UserAgentSummary agent, string? ip, DateTimeOffset at, string sessionsUrl)
    {
        var time = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var address = string.IsNullOrEmpty(ip) ? "unknown" : ip;
        var text = $"""
            Your account {email} was just signed in by QR code.

            Browser: {agent.Browser}
            System: {agent.OperatingSystem}
            Address: {address}
            Time: {time}

            If this was you, there is nothing to do.
            If it was not, end that session on your signed-in browsers page and tell your administrator:
            {sessionsUrl}
            """;
        var e = (string s) => WebUtility.HtmlEncode(s);
        var html = $"""
            <p>Your account <strong>{e(email)}</strong> was just signed in by QR code.</p>
            <table>
            <tr><th align="left">Browser</th><td>{e(agent.Browser)}</td></tr>
            <tr><th align="left">System</th><td>{e(agent.OperatingSystem)}</td></tr>
            <tr><th align="left">Address</th><td>{e(address)}</td></tr>
            <tr><th align="left">Time</th><td>{e(time)}</td></tr>
            </table>
            <p>If this was you, there is nothing to do.</p>
            <p>If it was not, <a href="{e(sessionsUrl)}">end that session on your signed-in browsers page</a> and tell your administrator.</p>
            """;
        return new EmailMessage(email, "New sign-in to your QrLoginPortal account", text, html, "new-sign-in");
    }
}
