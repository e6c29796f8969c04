using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Api;

public sealed record AuthenticatorClient(string Id, string Name, bool Enabled, int AuthorizationCodeLifetime, int RefreshTokenLifetime,
    int AccessTokenLifetime);

public sealed record AuthenticatorClientList(int Total, IReadOnlyList<AuthenticatorClient> Clients, int Limit, int Count, int Page);

/// <summary>GET /v1.0/authenticators/clients: registration profiles, with the seed's <c>search=name = "X"</c> filter.</summary>
public static partial class ProfileEndpoints
{
    public const string Path = "/v1.0/authenticators/clients";
    private const int Limit = 200;

    public static void Map(RouteGroupBuilder secured) =>
        secured.MapGet(Path, ListAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.ReadAuthenticatorConfig))
            .WithTags(ApiDocument.Tags.Profiles)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .WithName("ListAuthenticatorClients")
            .WithSummary("Registration profiles; search=name = \"X\" filters by exact name (needs readAuthenticatorConfig).");

    private static async Task<Results<Ok<AuthenticatorClientList>, JsonHttpResult<ApiError>>> ListAsync(string? search, IDbContextFactory<ApplicationDbContext> dbFactory, CancellationToken ct)
    {
        string? name = null;
        if (!string.IsNullOrWhiteSpace(search))
        {
            var match = NameFilter().Match(search);
            if (!match.Success)
            {
                return ApiError.BadRequest("search", "search must look like name = \"Profile name\".");
            }

            name = match.Groups[1].Value;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.RegistrationProfiles.AsNoTracking();
        if (name is not null)
        {
            query = query.Where(p => p.Name == name);
        }

        var profiles = await query.OrderBy(p => p.Name).Take(Limit).ToListAsync(ct);
        var clients = profiles.Select(p => new AuthenticatorClient(p.Id, p.Name, p.Enabled, 60, 31557600, 3600)).ToList();
        return TypedResults.Ok(new AuthenticatorClientList(clients.Count, clients, Limit, clients.Count, 1));
    }

    [GeneratedRegex("^\\s*name\\s*=\\s*\"([^\"]*)\"\\s*$")]
    private static partial Regex NameFilter();
}
