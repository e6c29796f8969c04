#if POSTGRES_TESTS
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Accounts;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>Several nodes started at once on one new PostgreSQL database: one migrates and seeds, the others find it done.</summary>
public sealed class StartUpTests
{
    [Fact]
    public async Task NodesStartingTogetherOnAnEmptyDatabase_AllStart_AndSeedOnce()
    {
        var connectionString = PostgresCluster.Instance.CreateDatabase();
        var nodes = Enumerable.Range(0, 3)
            .Select(_ => new PortalFactory { Settings = { ["ConnectionStrings:DefaultConnection"] = connectionString } })
            .ToList();
        try
        {
            using var go = new ManualResetEventSlim();
            var starts = nodes.Select(node => Task.Run(() =>
            {
                go.Wait();
                return node.CreateClient();
            })).ToList();
            go.Set();
            var clients = await Task.WhenAll(starts);

            foreach (var client in clients)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
            }

            using var scope = nodes[0].Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            Assert.Equal(1, await db.QrSettings.CountAsync());
            Assert.Single(await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().GetUsersInRoleAsync(Roles.Admin));
            Assert.Single(await db.Users.Where(u => u.Email == PortalFactory.DemoEmail).ToListAsync());
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            PostgresCluster.Instance.DropDatabase(connectionString);
        }
    }
}
#endif
