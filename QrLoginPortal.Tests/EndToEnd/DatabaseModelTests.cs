using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class DatabaseModelTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public void TheRunningPortalsModel_IsTheOneItsMigrationsBuilt_PasskeysIncluded()
    {
        // The contexts come from a pool: Identity's schema version (passkeys) must still reach them.
        using var scope = portal.Services.CreateScope();
        var pooled = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext();
        var scoped = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();

        foreach (var db in new[] { pooled, scoped })
        {
            Assert.NotNull(db.Model.FindEntityType(typeof(IdentityUserPasskey<string>)));
            Assert.False(db.Database.HasPendingModelChanges());
        }

        pooled.Dispose();
    }
}
