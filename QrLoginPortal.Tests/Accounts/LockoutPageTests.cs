using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>A locked account is told why, in plain words: an administrator's lock (ask them) or too many wrong passwords (when to try again).</summary>
public sealed class LockoutPageTests : IClassFixture<PortalFactory>
{
    private readonly PortalFactory _portal;

    public LockoutPageTests(PortalFactory portal)
    {
        _portal = portal;
        // Identity decides "locked" on the real clock; the page says how long on the portal's. Here they agree.
        if (portal.Clock.GetUtcNow() < DateTimeOffset.UtcNow)
        {
            portal.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        }
    }

    [Fact]
    public async Task AUserLockedByAnAdministrator_IsToldAnAdministratorLockedIt_AndWhomToAsk()
    {
        await _portal.CreateUserAsync("locked-by-admin@test.local");
        await SetLockoutEndAsync("locked-by-admin@test.local", ApplicationUser.AdminLockEnd);

        var page = await SignInAndFollowAsync("locked-by-admin@test.local");

        Assert.Contains("<title>Account locked</title>", page);
        Assert.Contains("An administrator of this portal has locked your account", page);
        Assert.Contains("Ask an administrator", page);
        Assert.DoesNotContain("try again later", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Try again in", page, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(5, "Try again in 5 minutes.")]
    [InlineData(1, "Try again in 1 minute.")]
    public async Task AUserLockedByWrongPasswords_IsToldWhenToTryAgain(int minutes, string expected)
    {
        var email = $"locked-{minutes}@test.local";
        await _portal.CreateUserAsync(email);
        await SetLockoutEndAsync(email, _portal.Clock.GetUtcNow().AddMinutes(minutes));

        var page = await SignInAndFollowAsync(email);

        Assert.Contains("too many wrong passwords", page);
        Assert.Contains(expected, page);
        Assert.DoesNotContain("administrator has locked", page);
    }

    [Fact]
    public async Task ALockThatHasEnded_SaysToTryAgainNow()
    {
        var until = _portal.Clock.GetUtcNow().AddMinutes(-1).ToUnixTimeSeconds();
        using var browser = _portal.CreateBrowser();

        var page = await browser.GetPageAsync($"/Account/Lockout?until={until}");

        Assert.Contains("You can try again now.", page);
        Assert.Contains("href=\"login\"", page);
    }

    [Fact]
    public async Task TheLockoutPageOpenedByItself_SaysTheAccountIsLocked_WithoutPretending()
    {
        using var browser = _portal.CreateBrowser();

        var page = await browser.GetPageAsync("/Account/Lockout");

        Assert.Contains("This account is locked", page);
        Assert.DoesNotMatch(@"Try again in \d", page);
        Assert.DoesNotContain("An administrator of this portal has locked", page);
    }

    private async Task<string> SignInAndFollowAsync(string email)
    {
        using var browser = _portal.CreateBrowser();
        var login = await browser.GetPageAsync("/login");
        var response = await browser.PostFormAsync("/login", login, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Contains("Account/Lockout", location);
        return await browser.GetPageAsync(location);
    }

    private async Task SetLockoutEndAsync(string email, DateTimeOffset end)
    {
        using var scope = _portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True((await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(email))!, end)).Succeeded);
    }
}
