using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>Self-registration (issue 13, finding 3): closed unless configured open, then confirmed by mail only.</summary>
public sealed partial class RegistrationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task ByDefault_RegistrationIsClosed_ThePageAndItsPostSaySo_AndNoAccountIsCreated()
    {
        using var browser = portal.CreateBrowser();
        var email = $"walk-in-{Guid.NewGuid():N}@test.local";

        var page = await browser.GetPageAsync("/Account/Register");
        var posted = await browser.PostFormAsync("/Account/Register", page, "register", Fields(email));

        Assert.Contains("Registration is closed", page);
        Assert.DoesNotContain("Input.Password", page);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("Registration is closed", await posted.Content.ReadAsStringAsync());
        Assert.Null(await FindUserAsync(portal, email));
        Assert.Empty(portal.MailsTo(email));
        var login = await browser.GetPageAsync("/login");
        Assert.DoesNotContain("Account/Register", login);
        Assert.DoesNotContain("Account/ResendEmailConfirmation", login);
    }

    [Fact]
    public async Task WhenOpen_TheConfirmationLinkArrivesByMail_AndConfirmsTheAccount()
    {
        using var open = new PortalFactory { Registration = "Open" };
        using var browser = open.CreateBrowser();
        var email = $"newcomer-{Guid.NewGuid():N}@test.local";
        Assert.Contains("Account/Register", await browser.GetPageAsync("/login"));

        var page = await browser.GetPageAsync("/Account/Register");
        var posted = await browser.PostFormAsync("/Account/Register", page, "register", Fields(email));

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Contains("/Account/RegisterConfirmation", posted.Headers.Location?.OriginalString);
        var mail = await open.WaitForMailAsync(email, "Confirm your");
        var link = ConfirmLink().Match(mail.TextBody ?? "").Value;
        Assert.StartsWith("http://localhost/Account/ConfirmEmail?", link);
        Assert.False((await FindUserAsync(open, email))!.EmailConfirmed);
        Assert.Contains("Thank you for confirming your email", await browser.GetPageAsync(link));
        Assert.True((await FindUserAsync(open, email))!.EmailConfirmed);
    }

    [Fact]
    public async Task InProduction_TheConfirmationPageShowsNoLink_OnlyTheMailHasIt()
    {
        using var production = new PortalFactory { EnvironmentName = "Production", Registration = "Open" };
        using var browser = production.CreateHttpsBrowser();
        var email = $"prod-{Guid.NewGuid():N}@test.local";
        var page = await browser.GetPageAsync("/Account/Register");
        var posted = await browser.PostFormAsync("/Account/Register", page, "register", Fields(email));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);

        var confirmation = await browser.GetPageAsync(posted.Headers.Location!.OriginalString);

        Assert.Contains("Please check your email to confirm your account.", confirmation);
        Assert.DoesNotContain("ConfirmEmail", confirmation);
        var mail = await production.WaitForMailAsync(email, "Confirm your");
        Assert.Contains("/Account/ConfirmEmail?", mail.TextBody);
    }

    [Fact]
    public async Task RegistrationPosts_AreLimitedPerAddress_With429AndRetryAfter()
    {
        using var open = new PortalFactory
        {
            Registration = "Open",
            Settings = { ["Portal:RegistrationPostsPerHourPerIp"] = "2" },
        };
        using var browser = open.CreateBrowser();
        var page = await browser.GetPageAsync("/Account/Register");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await browser.PostFormAsync("/Account/Register", page, "register", Fields($"flood-{i}-{Guid.NewGuid():N}@test.local"))).StatusCode);
        }

        var refused = await browser.PostFormAsync("/Account/Register", page, "register", Fields($"flood-last-{Guid.NewGuid():N}@test.local"));
        Assert.Equal([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/Account/Register")).StatusCode);
    }

    [Fact]
    public void OpenRegistration_WithoutAMailSender_StopsTheAppAtStart()
    {
        using var misconfigured = new PortalFactory
        {
            Registration = "Open",
            Settings = { ["Portal:Email:Mode"] = "None" },
        };

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        Assert.Contains("Portal:Email:Mode", error.ToString());
    }

    private static Dictionary<string, string> Fields(string email) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = PortalFactory.DemoPassword,
        ["Input.ConfirmPassword"] = PortalFactory.DemoPassword,
    };

    private static async Task<ApplicationUser?> FindUserAsync(PortalFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
    }

    [GeneratedRegex(@"https?://\S+/Account/ConfirmEmail\?\S+")]
    private static partial Regex ConfirmLink();
}
