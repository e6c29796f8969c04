using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

/// <summary>The badge sign-in API of seed 002 (RapidIdentity): POST /idp/ws/rest/authn.</summary>
public sealed class AuthnApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Path = "/idp/ws/rest/authn";
    private BadgeService Badges => portal.Badges;
    private BadgePolicyStore BadgePolicies => portal.BadgePolicies;

    [Fact]
    public async Task Init_SaysWhetherABadgeMayBeScanned_AsThePolicySays()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        var off = await StartAsync();
        await portal.SetBadgePolicyAsync(enabled: true);
        var on = await StartAsync();
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false);
        var secondOnly = await StartAsync();

        Assert.Equal("username+password", on.GetProperty("type").GetString());
        Assert.True(Guid.TryParse(on.GetProperty("id").GetString(), out _));
        Assert.False(off.GetProperty("allowQRCodeScan").GetBoolean());
        Assert.True(on.GetProperty("allowQRCodeScan").GetBoolean());
        Assert.False(secondOnly.GetProperty("allowQRCodeScan").GetBoolean());
    }

    [Fact]
    public async Task Seed002_AsInitialization_ABadgeSignsItsHolderIn_Once()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var (userId, badge) = await portal.UserWithBadgeAsync("init@school.test");
        var id = (await StartAsync()).GetProperty("id").GetString();

        var response = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value = badge.QrContent });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("complete", body.GetProperty("type").GetString());
        Assert.Equal("Success", body.GetProperty("nextModule").GetString());
        Assert.Equal(userId, body.GetProperty("userData").GetProperty("userId").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("oauth2Token").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("jwtToken").GetString()));
        var again = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value = badge.QrContent });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task WrongVoidedAndExpiredBadges_AreRefusedAlike()
    {
        await portal.SetBadgePolicyAsync(enabled: true, lifetimeDays: 1);
        var (voidedUser, voided) = await portal.UserWithBadgeAsync("voided@school.test");
        await Badges.VoidAsync(voidedUser, "lost", voidedUser, null);
        var (expiringUser, expiring) = await portal.UserWithBadgeAsync("expiring@school.test");
        // Its lifetime is over (moving the shared fake clock a whole day would replay every sweeper tick).
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            await db.Badges.Where(b => b.UserId == expiringUser)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiresAt, portal.Clock.GetUtcNow().AddSeconds(-1)));
        }

        var values = new[] { BadgeSecret.QrContent(BadgeSecret.Generate()), voided.QrContent, expiring.QrContent };

        var answers = new List<(HttpStatusCode, string)>();
        foreach (var value in values)
        {
            var id = (await StartAsync()).GetProperty("id").GetString();
            var response = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value });
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Item1));
        Assert.Single(answers.Select(a => a.Item2).Distinct());
    }

    [Fact]
    public async Task Seed002_AsAStep_AfterThePassword_TheUsersOwnBadgeIsAsked()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var (userId, badge) = await portal.UserWithBadgeAsync("step@school.test");
        var (_, othersBadge) = await portal.UserWithBadgeAsync("other@school.test");
        var id = (await StartAsync()).GetProperty("id").GetString();

        var password = await Anonymous().PostAsJsonAsync(Path,
            new { type = "username+password", id, username = "step@school.test", password = PortalFactory.DemoPassword });
        var next = await password.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("qrCode", next.GetProperty("type").GetString());
        Assert.Equal(id, next.GetProperty("id").GetString());

        var foreign = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value = othersBadge.QrContent });
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
        Assert.Equal(1, await portal.AccessFailedCountAsync(userId));

        var own = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value = badge.QrContent });
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(userId, (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("userData").GetProperty("userId").GetString());
    }

    [Fact]
    public async Task WithoutTheSecondStep_ThePasswordAloneCompletes_AndAWrongPasswordIs401()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        await portal.CreateUserAsync("plain@school.test");
        var id = (await StartAsync()).GetProperty("id").GetString();

        var wrong = await Anonymous().PostAsJsonAsync(Path, new { type = "username+password", id, username = "plain@school.test", password = "nope" });
        var right = await Anonymous().PostAsJsonAsync(Path,
            new { type = "username+password", id, username = "plain@school.test", password = PortalFactory.DemoPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("complete", (await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AnInsecureIdBadge_NamesTheUser_AndThePasswordIsStillAsked()
    {
        var email = $"id-{Guid.NewGuid():N}@school.test";
        await portal.CreateUserAsync(email);
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true }, null, "test", null));
        var started = await StartAsync();
        Assert.True(started.GetProperty("allowQRCodeScan").GetBoolean());
        var id = started.GetProperty("id").GetString();

        var scanned = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", id, value = IdBadge.QrContent(email) });
        var next = await scanned.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("username+password", next.GetProperty("type").GetString());
        Assert.Equal(email, next.GetProperty("username").GetString());

        var done = await Anonymous().PostAsJsonAsync(Path, new { type = "username+password", id, username = email, password = PortalFactory.DemoPassword });
        Assert.Equal("complete", (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());

        await portal.SetBadgePolicyAsync(enabled: true);
        var off = await Anonymous().PostAsJsonAsync(Path, new { type = "qrCode", value = IdBadge.QrContent(email) });
        Assert.Equal(HttpStatusCode.Unauthorized, off.StatusCode);
    }

    [Fact]
    public async Task AnAccountWithAnAuthenticatorApp_IsNotSignedInByItsPasswordAlone()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var email = $"totp-{Guid.NewGuid():N}@school.test";
        var userId = await portal.CreateUserAsync(email);
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.SetTwoFactorEnabledAsync((await users.FindByIdAsync(userId))!, true)).Succeeded);
        }

        var response = await Anonymous().PostAsJsonAsync(Path, new { type = "username+password", username = email, password = PortalFactory.DemoPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"type\":\"sms\"}", "type")]
    [InlineData("{\"type\":\"qrCode\",\"id\":\"0b7d2b46-1f43-4a5e-9d38-6a3d3f3f0d11\",\"value\":\"x\"}", "id")]
    [InlineData("{\"type\":\"qrCode\",\"id\":\"not-a-flow\",\"value\":\"x\"}", "id")]
    [InlineData("{\"type\":\"username+password\",\"password\":\"x\"}", "username")]
    [InlineData("{\"type\":\"username+password\",\"username\":\"x\",\"password\":\"\"}", "password")]
    [InlineData("{\"type\":\"qrCode\",\"value\":\"\"}", "value")]
    [InlineData("[1,2]", "body")]
    public async Task BadInput_Is400_NamingTheField(string json, string field)
    {
        var response = await Anonymous().PostAsync(Path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    private async Task<JsonElement> StartAsync()
    {
        var response = await Anonymous().PostAsync(Path, null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private HttpClient Anonymous() => portal.CreateDefaultClient();
}
