using System.Security.Cryptography;

namespace QrLoginPortal.Badges;

/// <summary>An "insecure ID badge": a QR code that only names its holder (their user name); it proves nothing.</summary>
public static class IdBadge
{
    public const string Prefix = "QRID1-";

    public static string QrContent(string userName) => Prefix + userName;

    /// <summary>The user name an ID badge names, or null when the value is not an ID badge.</summary>
    public static string? UserNameOf(string? value) =>
        value is { Length: > 6 and <= 300 } && value.StartsWith(Prefix, StringComparison.Ordinal) ? value[Prefix.Length..].Trim() : null;
}

/// <summary>
/// A badge's secret: 32 symbols of base32 (160 bits from <see cref="RandomNumberGenerator"/>). Base32
/// fits the QR alphanumeric mode, so the code stays small enough for a webcam, and can be typed.
/// </summary>
public static class BadgeSecret
{
    public const string Prefix = "QRB1-";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int Length = 32;

    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>What the badge's QR code carries.</summary>
    public static string QrContent(string secret) => Prefix + secret;

    /// <summary>The secret in groups of four, as printed under the code for typing.</summary>
    public static string Grouped(string secret) => string.Join('-', secret.Chunk(4).Select(c => new string(c)));

    /// <summary>The secret in a scanned or typed value (prefix, spaces, dashes and case ignored); null when it cannot be one.</summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 128)
        {
            return null;
        }

        var compact = new string(value.Where(c => c is not (' ' or '-' or '\t' or '\r' or '\n')).ToArray()).ToUpperInvariant();
        // No secret can begin with "QRB1": '1' is not in its alphabet.
        if (compact.StartsWith("QRB1", StringComparison.Ordinal))
        {
            compact = compact[4..];
        }

        return compact.Length == Length && compact.All(c => Alphabet.Contains(c)) ? compact : null;
    }
}
