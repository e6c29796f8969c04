using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Api;

/// <summary>The seed 003 configuration payload, plus settings the seed does not know; each is optional on PUT, so a seed client leaves it as it is.</summary>
/// <param name="UserCode">The sign-in page shows a code to type under the QR.</param>
/// <param name="NumberMatching">The phone must pick the number the sign-in page shows.</param>
/// <param name="ApproverPasskey">off, admins or everyone: whose approvals need their passkey.</param>
public sealed record QrConfigPayload(SecretConfig? Lsi, SecretConfig? Dsi, int? Expiry, bool? Enabled, bool? UserCode = null, bool? NumberMatching = null,
    string? ApproverPasskey = null);

public sealed record SecretConfig(string? Charset, int? Length);

/// <summary>GET/PUT /config/v2.0/factors/qr (seed 003), validated by the same rules as the admin page.</summary>
public static class ConfigEndpoints
{
    public const string Path = "/config/v2.0/factors/qr";

    public static void Map(RouteGroupBuilder secured)
    {
        secured.MapGet(Path, GetAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.ManageQrConfig))
            .WithTags(ApiDocument.Tags.Config)
            .WithName("GetQrConfig").WithSummary("The QR settings (needs manageQrConfig).");
        secured.MapPut(Path, PutAsync)
            .AddEndpointFilter(new RequireEntitlement(ApiEntitlements.ManageQrConfig))
            .WithTags(ApiDocument.Tags.Config)
            .Produces(StatusCodes.Status204NoContent)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .WithName("PutQrConfig").WithSummary("Replace the QR settings; 204, or 400 naming each invalid field (needs manageQrConfig).");
    }

    private static async Task<Ok<QrConfigPayload>> GetAsync(QrSettingsStore store, CancellationToken ct)
    {
        var s = await store.GetAsync(ct);
        return TypedResults.Ok(new QrConfigPayload(new SecretConfig(s.LsiCharset, s.LsiLength), new SecretConfig(s.DsiCharset, s.DsiLength),
            s.ExpirySeconds, s.Enabled, s.UserCodeEnabled, s.NumberMatching, ApproverPasskeyWords.Of(s.ApproverPasskey)));
    }

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> PutAsync(HttpContext context, QrSettingsStore store)
    {
        QrConfigPayload? payload;
        try
        {
            payload = await context.Request.ReadFromJsonAsync<QrConfigPayload>(context.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return ApiError.BadRequest("body", "The body must be the JSON settings payload: {\"lsi\":{\"charset\",\"length\"},\"dsi\":{…},\"expiry\",\"enabled\"}.");
        }

        var missing = new Dictionary<string, string>();
        if (payload?.Lsi?.Charset is null) missing[QrSettingsRules.Fields.LsiCharset] = "lsi.charset is required.";
        if (payload?.Lsi?.Length is null) missing[QrSettingsRules.Fields.LsiLength] = "lsi.length is required.";
        if (payload?.Dsi?.Charset is null) missing[QrSettingsRules.Fields.DsiCharset] = "dsi.charset is required.";
        if (payload?.Dsi?.Length is null) missing[QrSettingsRules.Fields.DsiLength] = "dsi.length is required.";
        if (payload?.Expiry is null) missing[QrSettingsRules.Fields.Expiry] = "expiry is required.";
        if (payload?.Enabled is null) missing["enabled"] = "enabled is required.";
        if (missing.Count > 0)
        {
            return ApiError.BadRequest(missing);
        }

        // The seed's payload has no phone switches: a PUT of it leaves them as an administrator set them.
        var current = await store.GetAsync(context.RequestAborted);
        var approverPasskey = current.ApproverPasskey;
        if (payload!.ApproverPasskey is { } word && !ApproverPasskeyWords.TryParse(word, out approverPasskey))
        {
            return ApiError.BadRequest(QrSettingsRules.Fields.ApproverPasskey, "approverPasskey must be off, admins or everyone.");
        }

        var proposed = new QrSettings
        {
            LsiCharset = payload.Lsi!.Charset!,
            LsiLength = payload.Lsi.Length!.Value,
            DsiCharset = payload.Dsi!.Charset!,
            DsiLength = payload.Dsi.Length!.Value,
            ExpirySeconds = payload.Expiry!.Value,
            Enabled = payload.Enabled!.Value,
            UserCodeEnabled = payload.UserCode ?? current.UserCodeEnabled,
            NumberMatching = payload.NumberMatching ?? current.NumberMatching,
            ApproverPasskey = approverPasskey,
        };
        var clientId = context.User.ClientId();
        var errors = await store.UpdateAsync(proposed, clientId, $"API client {clientId}", context.ClientIp(),
            ct: context.RequestAborted);
        return errors.Count == 0 ? TypedResults.NoContent() : ApiError.BadRequest(errors);
    }
}
