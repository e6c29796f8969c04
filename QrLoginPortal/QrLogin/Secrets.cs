using System.Security.Cryptography;
using System.Text;

namespace QrLoginPortal.QrLogin;

/// <summary>Draws one-time secrets and hashes them for storage.</summary>
public static class Secrets
{
    /// <summary>A uniformly random string of <paramref name="length"/> symbols from <paramref name="charset"/> (no modulo bias).</summary>
    public static string Generate(string charset, int length) => RandomNumberGenerator.GetString(charset, length);

    /// <summary>SHA-256 of the UTF-8 bytes: what is stored and looked up in place of the secret.</summary>
    public static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>A 256-bit URL-safe random token (tickets, browser binding).</summary>
    public static string NewToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
