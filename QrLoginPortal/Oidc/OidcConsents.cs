using System.Collections.Immutable;
using System.Security.Claims;
using OpenIddict.Abstractions;
using QrLoginPortal.Audit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>An application as a person sees it on the consent and account pages.</summary>
public sealed record OidcApplicationFace(string Id, string ClientId, string Name, string? LogoUri, bool AsksConsent);

/// <summary>An application a person has allowed: its face, the scopes allowed, and when.</summary>
public sealed record OidcGivenConsent(OidcApplicationFace Application, IReadOnlyList<string> Scopes, DateTimeOffset? GivenAt);

/// <summary>
/// Explicit consent: the permanent OpenIddict authorization a person gives an application for a set of scopes
/// (as OpenIddict's samples keep it), found again for the same or fewer scopes, listed on the account page and
/// revoked there with every token issued under it. Each decision is audited.
/// </summary>
public sealed class OidcConsents(IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens, AuditLog audit)
{
    /// <summary>The form field of the consent page's buttons, posted back to the authorization endpoint.</summary>
    public const string DecisionField = "consent";

    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>What the consent page posts besides the authorization request itself; never part of a request sent on.</summary>
    public static readonly IReadOnlySet<string> FormFields = new HashSet<string>(StringComparer.Ordinal) { DecisionField, "__RequestVerificationToken" };

    /// <summary>Each scope in plain words, as the consent and account pages show it.</summary>
    public static string Describe(string scope) => scope switch
    {
        Scopes.OpenId => "Know who you are on this portal (an account number, nothing else)",
        Scopes.Profile => "See your user name",
        Scopes.Email => "See your email address and whether it is confirmed",
        Scopes.Roles => "See your roles on this portal",
        Scopes.OfflineAccess => "Stay connected while you are away (until you sign out here or revoke it)",
        _ => scope,
    };

    /// <summary>The application registered as <paramref name="clientId"/>, or null.</summary>
    public async Task<OidcApplicationFace?> FindApplicationAsync(string? clientId, CancellationToken ct = default) =>
        string.IsNullOrEmpty(clientId) || await applications.FindByClientIdAsync(clientId, ct) is not { } application
            ? null
            : await FaceAsync(application, ct);

    /// <summary>
    /// The origin (scheme, host, port) of <paramref name="redirectUri"/> when it is an http(s) redirect address
    /// registered for <paramref name="clientId"/>, or null: where the consent page's answer may lead the browser.
    /// </summary>
    public async Task<string?> RedirectOriginAsync(string? clientId, string? redirectUri, CancellationToken ct = default) =>
        !string.IsNullOrEmpty(clientId) && Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
        && await applications.FindByClientIdAsync(clientId, ct) is { } application
        && await applications.ValidateRedirectUriAsync(application, redirectUri!, ct)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;

    /// <summary>A valid consent of <paramref name="userId"/> to <paramref name="application"/> covering every scope asked, or null.</summary>
    public async Task<string?> FindAsync(string userId, OidcApplicationFace application, ImmutableArray<string> scopes, CancellationToken ct = default)
    {
        await foreach (var authorization in authorizations.FindAsync(userId, application.Id, Statuses.Valid, AuthorizationTypes.Permanent, scopes, ct))
        {
            return await authorizations.GetIdAsync(authorization, ct);
        }

        return null;
    }

    /// <summary>Records that the person allowed the scopes (reusing a consent that already covers them) and returns its authorization id.</summary>
    public async Task<string> GiveAsync(ClaimsPrincipal principal, string userId, OidcApplicationFace application, ImmutableArray<string> scopes,
        string? ip, CancellationToken ct = default)
    {
        var id = await FindAsync(userId, application, scopes, ct);
        if (id is null)
        {
            var authorization = await authorizations.CreateAsync(principal, userId, application.Id, AuthorizationTypes.Permanent, scopes, ct);
            id = await authorizations.GetIdAsync(authorization, ct);
        }

        await audit.WriteAsync(AuditTypes.ConsentGive, AuditOutcomes.Success, userId, application.ClientId, ip, string.Join(" ", scopes), ct);
        return id!;
    }

    public Task DeniedAsync(string userId, OidcApplicationFace application, ImmutableArray<string> scopes, string? ip, CancellationToken ct = default) =>
        audit.WriteAsync(AuditTypes.ConsentDeny, AuditOutcomes.Refused, userId, application.ClientId, ip, string.Join(" ", scopes), ct);

    /// <summary>The applications <paramref name="userId"/> has allowed, one entry each (scopes of all its consents together, the latest date).</summary>
    public async Task<IReadOnlyList<OidcGivenConsent>> ListAsync(string userId, CancellationToken ct = default)
    {
        var found = new Dictionary<string, (HashSet<string> Scopes, DateTimeOffset? At)>(StringComparer.Ordinal);
        await foreach (var authorization in authorizations.FindBySubjectAsync(userId, ct))
        {
            if (!await authorizations.HasTypeAsync(authorization, AuthorizationTypes.Permanent, ct)
                || !await authorizations.HasStatusAsync(authorization, Statuses.Valid, ct)
                || await authorizations.GetApplicationIdAsync(authorization, ct) is not { } applicationId)
            {
                continue;
            }

            var at = await authorizations.GetCreationDateAsync(authorization, ct);
            var entry = found.TryGetValue(applicationId, out var existing) ? existing : ([], null);
            entry.Scopes.UnionWith(await authorizations.GetScopesAsync(authorization, ct));
            found[applicationId] = (entry.Scopes, entry.At is { } before && before > at ? before : at);
        }

        var consents = new List<OidcGivenConsent>();
        foreach (var (applicationId, (scopes, at)) in found)
        {
            if (await applications.FindByIdAsync(applicationId, ct) is { } application)
            {
                consents.Add(new OidcGivenConsent(await FaceAsync(application, ct), [.. scopes.Order(StringComparer.Ordinal)], at));
            }
        }

        return [.. consents.OrderBy(c => c.Application.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Takes back every consent <paramref name="userId"/> gave the application and revokes the codes and tokens
    /// issued under them, so its refresh tokens stop working at once. False when there was nothing to revoke.
    /// </summary>
    public async Task<bool> RevokeAsync(string userId, string clientId, string? ip, CancellationToken ct = default)
    {
        if (await FindApplicationAsync(clientId, ct) is not { } application)
        {
            return false;
        }

        var revoked = 0;
        var ids = new List<string>();
        await foreach (var authorization in authorizations.FindAsync(userId, application.Id, Statuses.Valid, AuthorizationTypes.Permanent, null, ct))
        {
            ids.Add((await authorizations.GetIdAsync(authorization, ct))!);
        }

        foreach (var id in ids)
        {
            if (await authorizations.FindByIdAsync(id, ct) is { } authorization && await authorizations.TryRevokeAsync(authorization, ct))
            {
                revoked++;
            }

            await tokens.RevokeByAuthorizationIdAsync(id, ct);
        }

        if (revoked > 0)
        {
            await audit.WriteAsync(AuditTypes.ConsentRevoke, AuditOutcomes.Success, userId, application.ClientId, ip, ct: ct);
        }

        return revoked > 0;
    }

    private async Task<OidcApplicationFace> FaceAsync(object application, CancellationToken ct)
    {
        var clientId = await applications.GetClientIdAsync(application, ct) ?? "";
        return new OidcApplicationFace(
            (await applications.GetIdAsync(application, ct))!,
            clientId,
            await applications.GetDisplayNameAsync(application, ct) ?? clientId,
            OidcApplications.LogoUri(await applications.GetPropertiesAsync(application, ct)),
            await applications.HasConsentTypeAsync(application, ConsentTypes.Explicit, ct));
    }
}
