using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Api;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Issue 13, finding 2: anyone could lock any account with a few wrong passwords and so sign it out
/// of every browser. Wrong passwords now throttle their source first, and a failed-password lockout
/// stops new sign-ins only.
/// </summary>
public sealed class LockoutAttackTests : IDisposable
{
    private const string VictimEmail = "victim@test.local";
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task TheAnonymousLockoutAttack_ThroughTheApi_LeavesTheVictimsBrowsersSignedIn()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        using var victim = _portal.CreateBrowser(address: "198.51.100.7");
        await victim.SignInWithPasswordAsync(VictimEmail, PortalFactory.DemoPassword);

        // Wrong passwords from one address after another until the account is locked.
        for (var address = 1; address <= 20 && !await IsLockedOutAsync(victimId); address++)
        {
            using var attacker = Anonymous($"203.0.113.{address}");
            for (var i = 0; i < 10; i++)
            {
                var response = await attacker.PostAsJsonAsync(AuthnEndpoints.Path,
                    new { type = "username+password", username = VictimEmail, password = $"wrong-{i}" });
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    break;
                }
            }
        }

        Assert.True(await IsLockedOutAsync(victimId), "the attack should still lock the account against new sign-ins");
        var page = await victim.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(VictimEmail, await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheAnonymousLockoutAttack_ThroughTheWebForm_LeavesTheVictimsBrowsersSignedIn()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        using var victim = _portal.CreateBrowser(address: "198.51.100.7");
        await victim.SignInWithPasswordAsync(VictimEmail, PortalFactory.DemoPassword);

        for (var address = 1; address <= 20 && !await IsLockedOutAsync(victimId); address++)
        {
            using var attacker = _portal.CreateBrowser(address: $"203.0.113.{address}");
            for (var i = 0; i < 10; i++)
            {
                if ((await PostLoginFormAsync(attacker, VictimEmail, $"wrong-{i}")).StatusCode == HttpStatusCode.TooManyRequests)
                {
                    break;
                }
            }
        }

        Assert.True(await IsLockedOutAsync(victimId));
        Assert.Contains(VictimEmail, await victim.GetPageAsync("/account"));
    }

    [Fact]
    public async Task WrongPasswords_FromOneAddress_Are429WithRetryAfter_BeforeTheAccountLocks()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        using var attacker = Anonymous("203.0.113.50");

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await attacker.PostAsJsonAsync(AuthnEndpoints.Path,
                new { type = "username+password", username = VictimEmail, password = $"wrong-{i}" }));
        }

        var firstRefusal = statuses.FindIndex(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.InRange(firstRefusal, 1, 4);
        Assert.All(statuses.Take(firstRefusal), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(statuses.Skip(firstRefusal), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.True(statuses[firstRefusal].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.False(await IsLockedOutAsync(victimId));
        // The owner, from their own address, still signs in.
        using var owner = _portal.CreateBrowser(address: "198.51.100.7");
        await owner.SignInWithPasswordAsync(VictimEmail, PortalFactory.DemoPassword);
    }

    [Fact]
    public async Task WrongPasswords_InTheWebFormFromOneAddress_Are429_BeforeTheAccountLocks()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        using var attacker = _portal.CreateBrowser(address: "203.0.113.51");

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await PostLoginFormAsync(attacker, VictimEmail, $"wrong-{i}"));
        }

        var firstRefusal = statuses.FindIndex(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.InRange(firstRefusal, 1, 4);
        Assert.All(statuses.Skip(firstRefusal), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.True(statuses[firstRefusal].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many failed sign-ins", await statuses[firstRefusal].Content.ReadAsStringAsync());
        Assert.False(await IsLockedOutAsync(victimId));
    }

    [Fact]
    public async Task WrongPasswords_InTheIdBadgeFormFromOneAddress_Are429_BeforeTheAccountLocks()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        Assert.Empty(await _portal.BadgePolicies.UpdateAsync(
            new QrLoginPortal.Badges.BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true }, null, "test", null));
        using var attacker = _portal.CreateBrowser(address: "203.0.113.53");
        var page = await attacker.GetPageAsync("/login/badge");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await attacker.PostFormAsync("/login/badge", page, "badge-password",
                new Dictionary<string, string> { ["PasswordInput.UserName"] = VictimEmail, ["PasswordInput.Password"] = $"wrong-{i}" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.OK), statuses.IndexOf(HttpStatusCode.TooManyRequests));
        Assert.False(await IsLockedOutAsync(victimId));
    }

    [Fact]
    public async Task OneAddress_SprayingManyAccounts_IsThrottled()
    {
        using var attacker = Anonymous("203.0.113.52");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await attacker.PostAsJsonAsync(AuthnEndpoints.Path,
                new { type = "username+password", username = $"someone-{i}@test.local", password = "Summer2026!" })).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Guessing_FromManyAddresses_StillLocksTheAccount_AgainstNewSignIns()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        for (var address = 1; address <= 20 && !await IsLockedOutAsync(victimId); address++)
        {
            using var attacker = Anonymous($"203.0.113.{address}");
            for (var i = 0; i < 3; i++)
            {
                await attacker.PostAsJsonAsync(AuthnEndpoints.Path, new { type = "username+password", username = VictimEmail, password = $"wrong-{i}" });
            }
        }

        Assert.True(await IsLockedOutAsync(victimId));
        using var owner = Anonymous("198.51.100.7");
        var right = await owner.PostAsJsonAsync(AuthnEndpoints.Path,
            new { type = "username+password", username = VictimEmail, password = PortalFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
    }

    [Fact]
    public async Task Scim_SaysActive_DuringAFailedPasswordLockout_AndInactiveUnderAnAdminsLock()
    {
        var victimId = await _portal.CreateUserAsync(VictimEmail);
        using var api = await _portal.CreateApiClientAsync();

        await SetLockoutEndAsync(victimId, DateTimeOffset.UtcNow.AddMinutes(5));
        var duringLockout = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v2.0/Users/{victimId}");
        await SetLockoutEndAsync(victimId, ApplicationUser.AdminLockEnd);
        var adminLocked = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v2.0/Users/{victimId}");

        Assert.True(duringLockout.GetProperty("active").GetBoolean());
        Assert.False(adminLocked.GetProperty("active").GetBoolean());
    }

    [Fact]
    public void APerAddressLimitThatWouldReachTheLockout_StopsTheStart()
    {
        using var misconfigured = _portal.WithWebHostBuilder(builder => builder
            .UseSetting("SignIn:FailedPasswordsPerAccountAndIp", "10")
            .UseSetting("SignIn:LockoutAfterFailedPasswords", "10"));

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        Assert.Contains("SignIn:FailedPasswordsPerAccountAndIp", error.ToString());
    }

    private async Task SetLockoutEndAsync(string userId, DateTimeOffset end)
    {
        using var scope = _portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True((await users.SetLockoutEndDateAsync((await users.FindByIdAsync(userId))!, end)).Succeeded);
    }

    private HttpClient Anonymous(string address)
    {
        var client = _portal.CreateDefaultClient();
        client.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return client;
    }

    private static async Task<HttpResponseMessage> PostLoginFormAsync(PortalFactory.BrowserClient browser, string email, string password)
    {
        var page = await browser.GetPageAsync("/login");
        return await browser.PostFormAsync("/login", page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }

    private async Task<bool> IsLockedOutAsync(string userId)
    {
        using var scope = _portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.IsLockedOutAsync((await users.FindByIdAsync(userId))!);
    }
}
