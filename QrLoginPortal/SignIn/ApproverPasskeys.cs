using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

/// <summary>A WebAuthn request made for one approval: the options for <c>navigator.credentials.get</c> and the id the answer is posted with.</summary>
public sealed record ApproverPasskeyChallenge(Guid CeremonyId, string RequestOptionsJson);

/// <summary>What the server keeps of a challenge until it is answered (once) or the transaction expires.</summary>
public sealed record ApproverPasskeyCeremony(string UserId, Guid TransactionId, string? AssertionState);

/// <summary>The outcome of checking a posted assertion: the verified fact for the engine, or why there is none (for the audit and the page).</summary>
public sealed record ApproverPasskeyVerdict(ApproverVerification? Verification, string? Refusal)
{
    public static ApproverPasskeyVerdict Refused(string why) => new(null, why);
}

/// <summary>
/// "Approval needs the approver's passkey" (issue 17), the page side: makes a challenge for the signed-in
/// user's own passkeys, bound to one transaction and kept on the server (any node: an expiring store), and
/// checks the answer with ASP.NET Core Identity's passkey handler: the signature against that user's stored
/// credential, the challenge, the origin, and, because the approval is a second factor, the user-verified flag.
/// A challenge is answered at most once. Only then does the engine get an <see cref="ApproverVerification"/>.
/// </summary>
public sealed class ApproverPasskeys(IPasskeyHandler<ApplicationUser> handler, UserManager<ApplicationUser> users,
    IExpiringStore<Guid, ApproverPasskeyCeremony> ceremonies, AuditLog audit, TimeProvider clock)
{
    /// <summary>A posted credential longer than this is not an assertion (they are a few hundred bytes to a few KB).</summary>
    public const int MaxCredentialJsonLength = 16 * 1024;

    // The flags byte follows the 32-byte rpIdHash in authenticator data; UV is bit 2 (WebAuthn §6.1).
    private const int FlagsOffset = 32;
    private const byte UserVerifiedFlag = 0x04;

    /// <summary>A challenge for <paramref name="userId"/>'s passkeys, valid until the transaction expires; null when the user has no passkey.</summary>
    public async Task<ApproverPasskeyChallenge?> BeginAsync(HttpContext context, string userId, Guid transactionId, DateTimeOffset expiresAt)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null || (await users.GetPasskeysAsync(user)).Count == 0)
        {
            return null;
        }

        var options = await handler.MakeRequestOptionsAsync(user, context);
        // The handler asks for the portal-wide preference; this ceremony must have a verified person (PIN or biometric).
        var json = JsonNode.Parse(options.RequestOptionsJson)!.AsObject();
        json["userVerification"] = "required";

        var ceremonyId = Guid.NewGuid();
        var lifetime = expiresAt - clock.GetUtcNow();
        ceremonies.Add(ceremonyId, new ApproverPasskeyCeremony(userId, transactionId, options.AssertionState),
            lifetime > TimeSpan.Zero ? lifetime : TimeSpan.FromSeconds(1));
        return new ApproverPasskeyChallenge(ceremonyId, json.ToJsonString());
    }

    /// <summary>
    /// Checks the assertion posted by <paramref name="userId"/> for the challenge <paramref name="ceremonyId"/>; a
    /// refusal is audited (qr.approve, refused) with its reason. The challenge is spent whatever the outcome.
    /// </summary>
    public async Task<ApproverPasskeyVerdict> VerifyAsync(HttpContext context, string userId, string? ceremonyId, string? credentialJson,
        string? browserError)
    {
        var verdict = await CheckAsync(context, userId, ceremonyId, credentialJson, browserError);
        if (verdict.Refusal is { } why)
        {
            await audit.WriteAsync(AuditTypes.QrApprove, AuditOutcomes.Refused, userId, verdict.TransactionId?.ToString(), context.ClientIp(),
                $"approver passkey: {why}", context.RequestAborted);
        }

        return new ApproverPasskeyVerdict(verdict.Verification, verdict.Refusal);
    }

    private async Task<(ApproverVerification? Verification, string? Refusal, Guid? TransactionId)> CheckAsync(HttpContext context,
        string userId, string? ceremonyId, string? credentialJson, string? browserError)
    {
        if (!Guid.TryParse(ceremonyId, out var id) || !ceremonies.TryGet(id, out var ceremony) || ceremony.UserId != userId)
        {
            return (null, "no live challenge for this user (expired, already answered, or never made)", null);
        }

        // Single use: whoever removes it first may go on; a replayed answer finds nothing.
        if (!ceremonies.TryRemove(id, ceremony))
        {
            return (null, "challenge already answered", ceremony.TransactionId);
        }

        if (string.IsNullOrEmpty(credentialJson))
        {
            return (null, browserError is null ? "no assertion was posted" : "the phone gave no assertion", ceremony.TransactionId);
        }

        if (credentialJson.Length > MaxCredentialJsonLength)
        {
            return (null, "the assertion is too large", ceremony.TransactionId);
        }

        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = context,
            CredentialJson = credentialJson,
            AssertionState = ceremony.AssertionState,
        });
        if (!result.Succeeded)
        {
            return (null, $"the assertion was not accepted ({result.Failure.Message})", ceremony.TransactionId);
        }

        if (await users.GetUserIdAsync(result.User) != userId)
        {
            return (null, "the passkey belongs to another user", ceremony.TransactionId);
        }

        if (!IsUserVerified(credentialJson))
        {
            return (null, "the authenticator did not verify the user (no PIN or biometric)", ceremony.TransactionId);
        }

        return (new ApproverVerification(userId, ceremony.TransactionId), null, ceremony.TransactionId);
    }

    /// <summary>
    /// The UV flag of the authenticator data the handler has just verified the signature over (it checks UV only
    /// when the portal-wide option says "required", which would also force it on the password page's passkeys).
    /// </summary>
    private static bool IsUserVerified(string credentialJson)
    {
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            var encoded = document.RootElement.GetProperty("response").GetProperty("authenticatorData").GetString();
            var data = Base64Url.DecodeFromChars(encoded);
            return data.Length > FlagsOffset && (data[FlagsOffset] & UserVerifiedFlag) != 0;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }
}
