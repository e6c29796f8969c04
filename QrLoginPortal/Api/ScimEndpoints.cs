using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

public sealed record ScimName(string Formatted);
public sealed record ScimEmail(string Value, bool Primary, string Type);
public sealed record ScimMeta(string ResourceType, string Location);
public sealed record ScimUser(string[] Schemas, string Id, string UserName, ScimName Name, string DisplayName, ScimEmail[] Emails,
    bool Active, ScimMeta Meta);
public sealed record ScimError(string[] Schemas, string Status, string Detail);

/// <summary>GET /v2.0/Users/{id}: the SCIM 2.0 core User resource of the user a QR login returned.</summary>
public static class ScimEndpoints
{
    private const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    private const string ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";

    public static void Map(RouteGroupBuilder secured) =>
        secured.MapGet("/v2.0/Users/{id}", GetAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.ReadUsers))
            .WithTags(ApiDocument.Tags.Users)
            .Produces<ScimUser>(StatusCodes.Status200OK, "application/scim+json")
            .Produces<ScimError>(StatusCodes.Status404NotFound, "application/scim+json")
            .WithName("GetScimUser")
            .WithSummary("A user as a SCIM 2.0 core User (needs readUsers).");

    private static async Task<Results<JsonHttpResult<ScimUser>, JsonHttpResult<ScimError>>> GetAsync(HttpContext context, string id, IDbContextFactory<ApplicationDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, context.RequestAborted);
        if (user is null)
        {
            return TypedResults.Json(new ScimError([ErrorSchema], "404", "No such user."), statusCode: 404, contentType: "application/scim+json");
        }

        var name = user.ShownName;
        // SCIM's "active" is the administrative status: a passing failed-password lockout does not change it.
        var active = !user.IsLockedByAdmin;
        return TypedResults.Json(new ScimUser([UserSchema], user.Id, user.UserName ?? user.Id, new ScimName(name), name,
                user.Email is null ? [] : [new ScimEmail(user.Email, true, "work")], active,
                new ScimMeta("User", $"{PublicOrigin.Of(context)}/v2.0/Users/{user.Id}")),
            contentType: "application/scim+json");
    }
}
