using System.Security.Cryptography;
using System.Text;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The code a person types when the phone's camera fails (RFC 8628's user code): a second secret of the
/// transaction beside the lsi, shown under the QR as <c>XXXX-XXXX</c>. Short enough to type, so its
/// strength is the failed-attempt budgets', not its own (see SECURITY.md).
/// </summary>
public static class UserCodes
{
    /// <summary>Symbols of a code.</summary>
    public const int Length = 8;

    /// <summary>No look-alikes (no I, O, 0, 1): what a person reads off a screen they type back right.</summary>
    public const string Charset = QrLoginDefaults.UnambiguousCharset;

    // Anything longer is not a code with some spaces: refuse it before looking at it symbol by symbol.
    private const int MaxTypedLength = 32;

    /// <summary>Entropy of a code: 8 × log2(32) = 40 bits.</summary>
    public static double Bits => QrSettingsRules.EntropyBits(Charset, Length);

    /// <summary>A fresh uniformly random code (clear text: shown once, stored only as its keyed hash).</summary>
    public static string Generate() => Secrets.Generate(Charset, Length);

    /// <summary>How the browser shows a code: two groups of four, <c>ABCD-EFGH</c>.</summary>
    public static string Format(string code) => code.Length == Length ? $"{code[..4]}-{code[4..]}" : code;

    /// <summary>
    /// The code a person meant: case, hyphens and white space do not matter. Null when what was typed
    /// cannot be a code at all (wrong length or a symbol outside <see cref="Charset"/>).
    /// </summary>
    public static string? Normalize(string? typed)
    {
        if (string.IsNullOrEmpty(typed) || typed.Length > MaxTypedLength)
        {
            return null;
        }

        var code = string.Concat(typed.Where(c => c != '-' && !char.IsWhiteSpace(c))).ToUpperInvariant();
        return code.Length == Length && code.All(Charset.Contains) ? code : null;
    }
}

/// <summary>
/// The key typed codes are hashed with. A plain SHA-256 suits the lsi (65 bits cannot be searched), but
/// 40 bits can: a copy of the database would give up a live code within its lifetime. Keyed with HMAC-SHA256
/// and a key that is never in the database, the stored hash is useless without the key.
/// </summary>
public sealed class UserCodeKey
{
    private readonly byte[] _key;

    private UserCodeKey(byte[] key, bool shared)
    {
        _key = key;
        Shared = shared;
    }

    /// <summary>
    /// True when every node hashes with this key (it came from configuration, or there is only one node).
    /// False on a shared database without a configured key: a code shown by one node could not be found
    /// by another, so typed codes are off there.
    /// </summary>
    public bool Shared { get; }

    /// <summary>From the base64 <c>QrLogin:UserCodeKey</c> when set; otherwise a fresh key for this process.</summary>
    /// <param name="singleNode">Only one process uses the database (SQLite): its own key serves, since its pending codes end with it.</param>
    public static UserCodeKey From(string? configured, bool singleNode) =>
        string.IsNullOrWhiteSpace(configured)
            ? new UserCodeKey(RandomNumberGenerator.GetBytes(32), shared: singleNode)
            : new UserCodeKey(Convert.FromBase64String(configured), shared: true);

    /// <summary>A fresh key for one engine (tests, benchmarks).</summary>
    public static UserCodeKey ForThisProcess() => From(null, singleNode: true);

    /// <summary>HMAC-SHA256 of a normalized code: what is stored and looked up in its place.</summary>
    public byte[] Hash(string code) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(code));
}
