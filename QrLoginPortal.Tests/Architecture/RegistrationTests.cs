using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QrLoginPortal.Accounts;
using QrLoginPortal.Admin;
using QrLoginPortal.Components.Account;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Tests.Architecture;

/// <summary>Each feature's AddX() registers what is its own, and nothing of another's (issue 18, "registrations in their own chapter").</summary>
public sealed class RegistrationTests
{
    private static HostApplicationBuilder Builder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration["ConnectionStrings:DefaultConnection"] = "DataSource=:memory:";
        return builder;
    }

    [Fact]
    public void TheAdminPolicy_IsRegisteredByTheAdminConsole_NotByIdentity()
    {
        var identity = Builder();
        identity.AddPortalIdentity();
        var admin = Builder();
        admin.AddAdminConsole();

        Assert.Null(Policy(identity, Policies.Admin));
        Assert.NotNull(Policy(admin, Policies.Admin));
    }

    [Fact]
    public void TheDatabaseInitializer_IsRegisteredByData_NotByIdentity()
    {
        var identity = Builder();
        identity.AddPortalIdentity();
        var data = Builder();
        data.AddPortalData();

        Assert.DoesNotContain(identity.Services, d => d.ServiceType == typeof(DatabaseInitializer));
        Assert.Contains(data.Services, d => d.ServiceType == typeof(DatabaseInitializer));
    }

    [Fact]
    public void HowARateLimitIsRefused_IsThePortalsRateLimiters_NotTheSignInFeatures()
    {
        var signIn = Builder();
        signIn.AddQrSignIn();
        var portal = Builder();
        portal.AddPortalRateLimiter();

        Assert.Null(signIn.Services.BuildServiceProvider().GetRequiredService<IOptions<RateLimiterOptions>>().Value.OnRejected);
        Assert.NotNull(portal.Services.BuildServiceProvider().GetRequiredService<IOptions<RateLimiterOptions>>().Value.OnRejected);
    }

    private static AuthorizationPolicy? Policy(HostApplicationBuilder builder, string name)
    {
        builder.Services.AddAuthorization();
        return builder.Services.BuildServiceProvider().GetRequiredService<IOptions<AuthorizationOptions>>().Value.GetPolicy(name);
    }
}
