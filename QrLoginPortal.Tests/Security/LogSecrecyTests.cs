using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Every sign-in path once, with all log output captured at Trace level (every category, every
/// structured value): not one secret that went over the wire may appear in the logs.
/// </summary>
public sealed class LogSecrecyTests
{
    private const string WrongPassword = "Wrong-Passw0rd-Secret-77!";

    [Fact]
    public async Task AFullRunOfEverySignIn_WritesNoSecretToTheLogs()
    {
        await using var portal = new PortalFactory { CaptureLogs = true };
        var secrets = new List<(string What, string Value)>
        {
            ("demo password", PortalFactory.DemoPassword),
            ("admin password", PortalFactory.AdminPassword),
            ("client secret", PortalFactory.ApiClientSecret),
            ("wrong password", WrongPassword),
        };
        var engine = portal.Services.GetRequiredService<QrLoginService>();

        // 1. The QR sign-in of a browser, approved on the phone's page, the ticket redeemed.
        using var browser = portal.CreateBrowser();
        await browser.GetPageAsync("/login");
        var binding = browser.Cookie(BrowserBinding.CookieName)!;
        secrets.Add(("browser binding cookie", binding));
        var created = await engine.CreateAsync(new QrRequester("203.0.113.20", "log test", Secrets.Hash(binding)));
        secrets.Add(("lsi", created.Lsi));
        secrets.Add(("dsi", created.Dsi));
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        secrets.Add(("phone session cookie", phone.Cookie(".AspNetCore.Identity.Application")!));
        var approvalPage = await phone.GetPageAsync($"/qr/{created.Lsi}");
        await phone.PostFormAsync($"/qr/{created.Lsi}", approvalPage, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });
        var ticket = (await portal.Services.GetRequiredService<QrTicketService>().IssueTicketAsync(created.Id, created.Dsi))!;
        secrets.Add(("ticket", ticket));
        var redeemed = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = ticket }));
        Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);

        // 2. The API: token, create, poll with the dsi, attempt with the lsi, poll again.
        using var api = await portal.CreateApiClientAsync();
        secrets.Add(("access token", api.DefaultRequestHeaders.Authorization!.Parameter!));
        var tx = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var (id, lsi, dsi) = (tx.GetProperty("id").GetString(), tx.GetProperty("lsi").GetString()!, tx.GetProperty("dsi").GetString()!);
        secrets.Add(("api lsi", lsi));
        secrets.Add(("api dsi", dsi));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/factors/qr/{id}?dsi={dsi}")).StatusCode);
        var attempt = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{id}?returnJwt=true", new { lsi });
        Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
        secrets.Add(("assertion", (await attempt.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assertion").GetString()!));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/factors/qr/{id}?dsi={dsi}")).StatusCode);
        await api.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi = "WRONGWRONGWRO" });

        // 3. The module chain: code, approval, tokens, the single sign-on form.
        var start = await (await api.PostAsJsonAsync("/v1.0/authenticate", new { nextModule = "QrCodeAuthentication" })).Content.ReadFromJsonAsync<JsonElement>();
        var info = start.GetProperty("additionalInformation");
        var (trackId, nonce) = (info.GetProperty("qrCodeTrackId").GetString()!, info.GetProperty("nonce").GetString()!);
        var chainLsi = QrImage.LsiOf(Convert.FromBase64String(info.GetProperty("qrCode").GetString()!));
        secrets.Add(("nonce", nonce));
        secrets.Add(("chain lsi", chainLsi));
        Assert.Equal(AttemptResult.Approved, await engine.ApproveAsync(chainLsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null));
        var success = await (await api.PostAsJsonAsync("/v1.0/authenticate", new { nextModule = "QrCodeScanRequired", qrCodeTrackId = trackId, nonce }))
            .Content.ReadFromJsonAsync<JsonElement>();
        AddTokens(success, "chain", secrets);
        using var ssoBrowser = portal.CreateBrowser();
        await ssoBrowser.Http.PostAsync("/v1.0/authenticate/sso", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = success.GetProperty("token").GetString()!,
            ["returnUrl"] = "/account",
        }));
        using var userBearer = portal.CreateClient();
        userBearer.DefaultRequestHeaders.Authorization = new("Bearer", success.GetProperty("oauth2Token").GetString());
        await userBearer.PostAsJsonAsync($"/v2.0/factors/qr/{Guid.NewGuid()}", new { lsi = "WRONGWRONGWRO" });

        // 4. Badges and passwords through the seed 002 API, right and wrong.
        await portal.SetBadgePolicyAsync(enabled: true);
        var (_, badge) = await portal.UserWithBadgeAsync("badge-log@test.local");
        secrets.Add(("badge", badge.Secret));
        secrets.Add(("badge QR content", badge.QrContent));
        using var anonymous = portal.CreateClient();
        var badgeFlow = (await (await anonymous.PostAsync("/idp/ws/rest/authn", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var badgeDone = await anonymous.PostAsJsonAsync("/idp/ws/rest/authn", new { type = "qrCode", id = badgeFlow, value = badge.QrContent });
        Assert.Equal(HttpStatusCode.OK, badgeDone.StatusCode);
        AddTokens(await badgeDone.Content.ReadFromJsonAsync<JsonElement>(), "badge", secrets);
        var passwordFlow = (await (await anonymous.PostAsync("/idp/ws/rest/authn", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await anonymous.PostAsJsonAsync("/idp/ws/rest/authn", new { type = "username+password", id = passwordFlow, username = PortalFactory.DemoEmail, password = WrongPassword });
        var passwordDone = await anonymous.PostAsJsonAsync("/idp/ws/rest/authn", new { type = "username+password", id = passwordFlow, username = PortalFactory.DemoEmail, password = PortalFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, passwordDone.StatusCode);
        AddTokens(await passwordDone.Content.ReadFromJsonAsync<JsonElement>(), "password", secrets);

        // 5. The web password form, wrong and right, and the admin.
        using var web = portal.CreateBrowser();
        var loginPage = await web.GetPageAsync("/login");
        await web.PostFormAsync("/login", loginPage, "login", new Dictionary<string, string> { ["Input.Email"] = PortalFactory.AdminEmail, ["Input.Password"] = WrongPassword });
        await web.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var logs = portal.Logs.Lines.ToList();
        Assert.Contains(logs, l => l.StartsWith("Debug ", StringComparison.Ordinal) || l.StartsWith("Trace ", StringComparison.Ordinal));
        var leaks = secrets
            .Where(s => !string.IsNullOrEmpty(s.Value))
            .SelectMany(s => logs.Where(l => l.Contains(s.Value, StringComparison.Ordinal)).Take(1).Select(l => $"{s.What}: {l[..Math.Min(l.Length, 400)]}"))
            .ToList();
        Assert.True(leaks.Count == 0, $"{logs.Count} log lines, secrets found:\n" + string.Join("\n", leaks));
    }

    private static void AddTokens(JsonElement success, string flow, List<(string, string)> secrets)
    {
        foreach (var name in new[] { "token", "jwtToken", "oauth2Token" })
        {
            secrets.Add(($"{flow} {name}", success.GetProperty(name).GetString()!));
        }
    }
}
