using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using QrLoginPortal.Api;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

/// <summary>
/// The token server's keys live in the database every node shares (or in configured certificate
/// files), never in one machine's certificate store: a bearer token from one node is accepted by
/// every other, and a rotated key is published ahead of the day it signs.
/// </summary>
public sealed class ServerKeyTests : IDisposable
{
    private readonly List<PortalFactory> _portals = [];
    private readonly List<string> _files = [];

    [Fact]
    public async Task ABearerTokenFromOneNode_IsAcceptedByTheOther_AndBothPublishTheSameKeys()
    {
        var nodeA = Portal(new PortalFactory());
        var nodeB = Portal(SecondNode(nodeA));

        using var fromA = await nodeA.CreateApiClientAsync();
        using var onB = nodeB.CreateClient();
        onB.DefaultRequestHeaders.Authorization = fromA.DefaultRequestHeaders.Authorization;

        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/config/v2.0/factors/qr")).StatusCode);
        Assert.Equal(await PublishedKeyIdsAsync(nodeA), await PublishedKeyIdsAsync(nodeB));
    }

    [Fact]
    public async Task TheKeysAreMadeOnce_AndTheirPrivatePartsAreStoredProtected()
    {
        var nodeA = Portal(new PortalFactory());
        var nodeB = Portal(SecondNode(nodeA));
        using (nodeA.CreateClient())
        using (nodeB.CreateClient())
        {
        }

        await using var db = nodeA.Database.CreateDbContext();
        var keys = await db.ServerKeys.ToListAsync();
        Assert.Equal([ServerKeyUse.Signing, ServerKeyUse.Encryption], keys.Select(k => k.Use).Order());
        // A bare PKCS#8 RSA key carries the rsaEncryption object identifier in clear; a protected one does not.
        byte[] rsaEncryption = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
        Assert.All(keys, k => Assert.Equal(-1, k.ProtectedKey.AsSpan().IndexOf(rsaEncryption)));
    }

    [Fact]
    public async Task NearTheEndOfItsLifetime_TheNextKeyIsPublishedAhead_WhileTheCurrentOneStillSigns()
    {
        var nodeA = Portal(new PortalFactory());
        var firstKeys = await PublishedKeyIdsAsync(nodeA);
        var signedBefore = KeyIdOf(await TokenAsync(nodeA));

        // A node started 80 days later: the key has 10 days left, less than the 14-day overlap.
        var nodeB = SecondNode(nodeA);
        nodeB.Clock.Advance(TimeSpan.FromDays(80));
        Portal(nodeB);
        var laterKeys = await PublishedKeyIdsAsync(nodeB);

        Assert.Single(firstKeys);
        Assert.Equal(2, laterKeys.Count);
        Assert.Contains(signedBefore, laterKeys);
        Assert.Equal(signedBefore, KeyIdOf(await TokenAsync(nodeB)));

        // Once the old key retires, a node started then signs with the new one and still publishes the old.
        var nodeC = SecondNode(nodeA);
        nodeC.Clock.Advance(TimeSpan.FromDays(95));
        Portal(nodeC);
        var signedAfter = KeyIdOf(await TokenAsync(nodeC));
        Assert.NotEqual(signedBefore, signedAfter);
        Assert.Equal(laterKeys.Order(), (await PublishedKeyIdsAsync(nodeC)).Order());
    }

    [Fact]
    public async Task AConfiguredCertificateFile_SignsTheTokens_AndNoSigningKeyIsGenerated()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=QrLoginPortal test signing", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(5));
        var file = Path.Combine(Path.GetTempPath(), $"qrlogin-signing-{Guid.NewGuid():N}.pfx");
        _files.Add(file);
        await File.WriteAllBytesAsync(file, certificate.Export(X509ContentType.Pfx, "pfx-password"));

        var portal = Portal(new PortalFactory
        {
            Settings =
            {
                ["OpenIddict:SigningCertificatePath"] = file,
                ["OpenIddict:SigningCertificatePassword"] = "pfx-password",
            },
        });

        Assert.Equal(certificate.Thumbprint, KeyIdOf(await TokenAsync(portal)));
        await using var db = portal.Database.CreateDbContext();
        Assert.Equal([ServerKeyUse.Encryption], await db.ServerKeys.Select(k => k.Use).ToListAsync());
    }

    [Fact]
    public void ACertificatePathThatDoesNotExist_StopsTheStart_NamingTheSetting()
    {
        var portal = Portal(new PortalFactory { Settings = { ["OpenIddict:SigningCertificatePath"] = "/nonexistent/signing.pfx" } });

        var refused = Assert.ThrowsAny<Exception>(() => portal.CreateClient());

        Assert.Contains("OpenIddict:SigningCertificatePath", refused is OptionsValidationException ? refused.Message : refused.ToString());
    }

    [Fact]
    public async Task InProduction_WithNoCertificateConfigured_TokensAreSignedWithTheDatabaseKey()
    {
        var portal = Portal(new ProductionPortalFactory());

        var signedWith = KeyIdOf(await TokenAsync(portal));

        await using var db = portal.Database.CreateDbContext();
        Assert.Equal(signedWith, (await db.ServerKeys.SingleAsync(k => k.Use == ServerKeyUse.Signing)).Id);
    }

    private static PortalFactory SecondNode(PortalFactory first) =>
        new() { Settings = { ["ConnectionStrings:DefaultConnection"] = first.Database.ConnectionString } };

    private PortalFactory Portal(PortalFactory portal)
    {
        _portals.Add(portal);
        return portal;
    }

    private static async Task<string> TokenAsync(PortalFactory portal)
    {
        using var api = await portal.CreateApiClientAsync();
        return api.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    private static string KeyIdOf(string jwt) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

    private static async Task<List<string>> PublishedKeyIdsAsync(PortalFactory portal)
    {
        using var http = portal.CreateClient();
        var jwks = await http.GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        return jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).Order().ToList();
    }

    public void Dispose()
    {
        foreach (var portal in Enumerable.Reverse(_portals))
        {
            portal.Dispose();
        }

        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }
}
