using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// A passkey in software, for HTTP tests: an ES256 key registered on a user as Identity stores passkeys, that
/// answers a WebAuthn request (the options JSON the page carries) as a phone's authenticator would, with
/// the user-verified flag set or not.
/// </summary>
public sealed class SoftPasskey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);

    /// <summary>Stores this passkey on <paramref name="userId"/>'s account.</summary>
    public async Task RegisterAsync(PortalFactory portal, string userId)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Data.ApplicationUser>>();
        var user = (await users.FindByIdAsync(userId))!;
        var info = new UserPasskeyInfo(CredentialId, CoseKey(), portal.Clock.GetUtcNow(), signCount: 0, transports: ["internal"],
            isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: [], clientDataJson: []);
        Assert.True((await users.AddOrUpdatePasskeyAsync(user, info)).Succeeded);
    }

    /// <summary>The credential JSON <c>navigator.credentials.get</c> would give for <paramref name="requestOptionsJson"/>.</summary>
    public string Answer(string requestOptionsJson, string origin, string userId, bool userVerified = true)
    {
        var options = JsonNode.Parse(requestOptionsJson)!;
        var challenge = options["challenge"]!.GetValue<string>();
        var rpId = options["rpId"]!.GetValue<string>();
        var clientData = JsonSerializer.SerializeToUtf8Bytes(new { type = "webauthn.get", challenge, origin, crossOrigin = false });

        var authenticatorData = new byte[37];
        SHA256.HashData(Encoding.UTF8.GetBytes(rpId)).CopyTo(authenticatorData, 0);
        authenticatorData[32] = (byte)(0x01 | (userVerified ? 0x04 : 0)); // UP, and UV when the person was verified
        BinaryPrimitives.WriteUInt32BigEndian(authenticatorData.AsSpan(33), 0);
        byte[] signed = [.. authenticatorData, .. SHA256.HashData(clientData)];
        var signature = _key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var id = Base64Url.EncodeToString(CredentialId);
        return JsonSerializer.Serialize(new
        {
            id,
            rawId = id,
            type = "public-key",
            authenticatorAttachment = "platform",
            clientExtensionResults = new { },
            response = new
            {
                clientDataJSON = Base64Url.EncodeToString(clientData),
                authenticatorData = Base64Url.EncodeToString(authenticatorData),
                signature = Base64Url.EncodeToString(signature),
                userHandle = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(userId)),
            },
        });
    }

    /// <summary>The public key as COSE (RFC 9053): {kty: EC2, alg: ES256, crv: P-256, x, y}.</summary>
    private byte[] CoseKey()
    {
        var p = _key.ExportParameters(includePrivateParameters: false).Q;
        return [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, .. p.X!, 0x22, 0x58, 0x20, .. p.Y!];
    }

    public void Dispose() => _key.Dispose();
}
