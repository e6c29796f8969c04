using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using QrLoginPortal.Data;

namespace QrLoginPortal.Api;

public enum ServerKeyUse
{
    Signing = 1,
    Encryption = 2,
}

/// <summary>
/// One of the token server's RSA keys, kept in the database so every node signs and validates with
/// the same keys. The private key is protected by Data Protection (whose key ring is in the same
/// database: an export of this table alone is useless, a copy of the whole database is not; see SECURITY.md).
/// </summary>
public sealed class ServerKey
{
    /// <summary>The JWK "kid": random, published in the JWKS.</summary>
    public string Id { get; set; } = "";

    public ServerKeyUse Use { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>From then on it signs (until <see cref="RetiresAt"/>); it is published from <see cref="CreatedAt"/>.</summary>
    public DateTimeOffset ActiveFrom { get; set; }

    /// <summary>It stops signing then and stays published for the overlap after it, so tokens it signed still validate.</summary>
    public DateTimeOffset RetiresAt { get; set; }

    /// <summary>The PKCS#8 private key, protected by Data Protection.</summary>
    public byte[] ProtectedKey { get; set; } = [];
}

/// <summary>Section "OpenIddict": where the token server's keys come from, and how long a generated key lives.</summary>
public sealed class ServerKeyOptions : IValidatableObject
{
    public const string Section = "OpenIddict";

    /// <summary>A PKCS#12 (.pfx) file with the signing certificate and its private key; when unset, keys are generated into the database.</summary>
    public string? SigningCertificatePath { get; set; }

    public string? SigningCertificatePassword { get; set; }

    /// <summary>A PKCS#12 (.pfx) file with the encryption certificate and its private key; when unset, keys are generated into the database.</summary>
    public string? EncryptionCertificatePath { get; set; }

    public string? EncryptionCertificatePassword { get; set; }

    /// <summary>How long a generated key signs before the next one takes over.</summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long before taking over the next key is published, and how long after retiring the old one still is.</summary>
    public TimeSpan KeyOverlap { get; set; } = TimeSpan.FromDays(14);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeyOverlap <= TimeSpan.Zero || KeyLifetime <= 2 * KeyOverlap)
        {
            yield return new ValidationResult("OpenIddict:KeyLifetime must be more than twice OpenIddict:KeyOverlap, and the overlap more than zero.",
                [nameof(KeyLifetime), nameof(KeyOverlap)]);
        }

        foreach (var (path, name) in new[] { (SigningCertificatePath, nameof(SigningCertificatePath)), (EncryptionCertificatePath, nameof(EncryptionCertificatePath)) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                yield return new ValidationResult($"OpenIddict:{name} names a file that does not exist.", [name]);
            }
        }
    }
}

/// <summary>
/// The token server's keys: from the configured certificate files, or generated once into the
/// database (the first node to start makes them, under the start-up lock) and rotated there. At
/// each start a node makes the next key when the current one has less than the overlap left, so
/// the JWKS publishes it for the whole overlap before it signs; a node reads the keys at start, so
/// nodes must restart within the overlap to pick up a rotation.
/// </summary>
public sealed class ServerKeyRing(IDbContextFactory<ApplicationDbContext> databases, IDataProtectionProvider protection,
    IOptions<ServerKeyOptions> options, TimeProvider clock)
{
    private const int KeySize = 2048;
    private readonly IDataProtector _protector = protection.CreateProtector("QrLoginPortal.ServerKeys.v1");

    /// <summary>Makes the keys this node will need that no node has made yet (run once at start, on one node at a time).</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        foreach (var use in UsesFromTheDatabase())
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var keys = await db.ServerKeys.Where(k => k.Use == use).ToListAsync(cancellationToken);
            var current = Current(keys, now);
            if (current is null)
            {
                db.ServerKeys.Add(NewKey(use, now, now));
            }
            else if (current.RetiresAt - now < options.Value.KeyOverlap && !keys.Any(k => k.ActiveFrom >= current.RetiresAt))
            {
                db.ServerKeys.Add(NewKey(use, now, current.RetiresAt));
            }

            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The signing credentials: the one that signs first, then the others still or already published.</summary>
    public IEnumerable<SigningCredentials> SigningCredentials() =>
        options.Value.SigningCertificatePath is { Length: > 0 } path
            ? [new SigningCredentials(new X509SecurityKey(LoadCertificate(path, options.Value.SigningCertificatePassword)), SecurityAlgorithms.RsaSha256)]
            : Published(ServerKeyUse.Signing).Select(key => new SigningCredentials(key, SecurityAlgorithms.RsaSha256));

    public IEnumerable<EncryptingCredentials> EncryptionCredentials() =>
        options.Value.EncryptionCertificatePath is { Length: > 0 } path
            ? [new EncryptingCredentials(new X509SecurityKey(LoadCertificate(path, options.Value.EncryptionCertificatePassword)), SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512)]
            : Published(ServerKeyUse.Encryption).Select(key => new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));

    private IEnumerable<ServerKeyUse> UsesFromTheDatabase()
    {
        if (string.IsNullOrWhiteSpace(options.Value.SigningCertificatePath))
        {
            yield return ServerKeyUse.Signing;
        }

        if (string.IsNullOrWhiteSpace(options.Value.EncryptionCertificatePath))
        {
            yield return ServerKeyUse.Encryption;
        }
    }

    private static ServerKey? Current(IEnumerable<ServerKey> keys, DateTimeOffset now) =>
        keys.Where(k => k.ActiveFrom <= now && now < k.RetiresAt).MaxBy(k => k.ActiveFrom);

    /// <summary>Read once, when the token server's options are built; the current key comes first, as the one that signs.</summary>
    private List<RsaSecurityKey> Published(ServerKeyUse use)
    {
        using var db = databases.CreateDbContext();
        var now = clock.GetUtcNow();
        var overlap = options.Value.KeyOverlap;
        var keys = db.ServerKeys.AsNoTracking().Where(k => k.Use == use).ToList()
            .Where(k => k.CreatedAt <= now && now < k.RetiresAt + overlap)
            .ToList();
        var current = Current(keys, now)
            ?? throw new InvalidOperationException($"No {use.ToString().ToLowerInvariant()} key is in the database: the start-up step that makes them has not run.");
        return keys.OrderBy(k => k == current ? 0 : 1).ThenByDescending(k => k.ActiveFrom).Select(ToSecurityKey).ToList();
    }

    private ServerKey NewKey(ServerKeyUse use, DateTimeOffset now, DateTimeOffset activeFrom)
    {
        using var rsa = RSA.Create(KeySize);
        return new ServerKey
        {
            Id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            Use = use,
            CreatedAt = now,
            ActiveFrom = activeFrom,
            RetiresAt = activeFrom + options.Value.KeyLifetime,
            ProtectedKey = _protector.Protect(rsa.ExportPkcs8PrivateKey()),
        };
    }

    private RsaSecurityKey ToSecurityKey(ServerKey key)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_protector.Unprotect(key.ProtectedKey), out _);
        return new RsaSecurityKey(rsa) { KeyId = key.Id };
    }

    private static X509Certificate2 LoadCertificate(string path, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
}

/// <summary>Hands the key ring's credentials to OpenIddict when its options are built (once per node).</summary>
internal sealed class ConfigureServerKeys(ServerKeyRing keys) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        options.SigningCredentials.AddRange(keys.SigningCredentials());
        options.EncryptionCredentials.AddRange(keys.EncryptionCredentials());
    }
}
