namespace QrLoginPortal.QrLogin;

/// <summary>
/// The one place that decides whether QR settings are acceptable. Every caller (admin page, API,
/// configuration) goes through <see cref="Validate"/>, so the rules cannot drift apart.
/// </summary>
public static class QrSettingsRules
{
    public const string UrlSafeSymbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    public const int LsiMinLength = 4;
    public const int LsiMaxLength = 64;
    public const int DsiMinLength = 16;
    public const int DsiMaxLength = 128;
    public const int ExpiryMinSeconds = 10;
    public const int ExpiryMaxSeconds = 600;

    /// <summary>Below this an lsi is refused: a guesser would find live codes far too quickly.</summary>
    public const double LsiMinBits = 20;

    /// <summary>Below this an lsi is accepted with a warning.</summary>
    public const double LsiWarnBits = 64;

    /// <summary>The dsi is the browser's bearer secret: below this it is refused.</summary>
    public const double DsiMinBits = 128;

    /// <summary>What the entropy of an lsi means, by the thresholds above (the admin page's meter).</summary>
    public static EntropyLevel LsiLevel(double bits) =>
        bits < LsiMinBits ? EntropyLevel.Refused : bits < LsiWarnBits ? EntropyLevel.Warning : EntropyLevel.Good;

    /// <summary>What the entropy of a dsi means: it has no warning band, only refused or good.</summary>
    public static EntropyLevel DsiLevel(double bits) => bits < DsiMinBits ? EntropyLevel.Refused : EntropyLevel.Good;

    public static class Fields
    {
        public const string LsiCharset = "lsi.charset";
        public const string LsiLength = "lsi.length";
        public const string DsiCharset = "dsi.charset";
        public const string DsiLength = "dsi.length";
        public const string Expiry = "expiry";
        public const string ApproverPasskey = "approverPasskey";
    }

    /// <summary>Entropy in bits of a secret of <paramref name="length"/> symbols drawn uniformly from the distinct symbols of <paramref name="charset"/>.</summary>
    public static double EntropyBits(string? charset, int length)
    {
        var distinct = (charset ?? "").Distinct().Count();
        return distinct < 2 || length <= 0 ? 0 : length * Math.Log2(distinct);
    }

    /// <summary>The problems with <paramref name="settings"/>, one message per field; empty when they are acceptable.</summary>
    public static IReadOnlyDictionary<string, string> Validate(QrSettings settings)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);

        CheckCharset(errors, Fields.LsiCharset, "lsi", settings.LsiCharset);
        CheckCharset(errors, Fields.DsiCharset, "dsi", settings.DsiCharset);

        if (settings.LsiLength is < LsiMinLength or > LsiMaxLength)
        {
            errors[Fields.LsiLength] = $"The lsi length must be between {LsiMinLength} and {LsiMaxLength}.";
        }
        else if (!errors.ContainsKey(Fields.LsiCharset) && EntropyBits(settings.LsiCharset, settings.LsiLength) < LsiMinBits)
        {
            errors[Fields.LsiLength] =
                $"The lsi has {EntropyBits(settings.LsiCharset, settings.LsiLength):0.#} bits of entropy; at least {LsiMinBits} are required. Use a longer lsi or a larger charset.";
        }

        if (settings.DsiLength is < DsiMinLength or > DsiMaxLength)
        {
            errors[Fields.DsiLength] = $"The dsi length must be between {DsiMinLength} and {DsiMaxLength}.";
        }
        else if (!errors.ContainsKey(Fields.DsiCharset) && EntropyBits(settings.DsiCharset, settings.DsiLength) < DsiMinBits)
        {
            errors[Fields.DsiLength] =
                $"The dsi has {EntropyBits(settings.DsiCharset, settings.DsiLength):0.#} bits of entropy; at least {DsiMinBits} are required. Use a longer dsi or a larger charset.";
        }

        if (settings.ExpirySeconds is < ExpiryMinSeconds or > ExpiryMaxSeconds)
        {
            errors[Fields.Expiry] = $"The expiry must be between {ExpiryMinSeconds} and {ExpiryMaxSeconds} seconds.";
        }

        if (!Enum.IsDefined(settings.ApproverPasskey))
        {
            errors[Fields.ApproverPasskey] = "The approver passkey policy must be off, admins or everyone.";
        }

        return errors;
    }

    /// <summary>A warning for an lsi that is accepted but weak, with the guesses an attacker would need; null when strong enough.</summary>
    public static string? LsiWarning(QrSettings settings, int failedAttemptsPerHour)
    {
        var bits = EntropyBits(settings.LsiCharset, settings.LsiLength);
        if (bits < LsiMinBits || bits >= LsiWarnBits)
        {
            return null;
        }

        // On average half the space must be searched to hit one given live code.
        var expectedGuesses = Math.Pow(2, bits - 1);
        var hours = expectedGuesses / Math.Max(1, failedAttemptsPerHour);
        return $"The lsi has {bits:0.#} bits (below {LsiWarnBits}). Finding one live code takes about {expectedGuesses:0.##e0} guesses: " +
               $"{DescribeDuration(hours)} at the limit of {failedAttemptsPerHour} failed attempts per hour.";
    }

    private static string DescribeDuration(double hours) => hours switch
    {
        < 1 => Plural.Of((long)Math.Round(hours * 60), "minute"),
        < 48 => Plural.Of((long)Math.Round(hours), "hour"),
        < 24 * 730 => Plural.Of((long)Math.Round(hours / 24), "day"),
        _ => $"{hours / 24 / 365:0.#e0} years",
    };

    private static void CheckCharset(Dictionary<string, string> errors, string field, string name, string? charset)
    {
        if (string.IsNullOrEmpty(charset))
        {
            errors[field] = $"The {name} charset is required.";
            return;
        }

        var bad = charset.Where(c => !UrlSafeSymbols.Contains(c)).Distinct().ToArray();
        if (bad.Length > 0)
        {
            errors[field] = $"The {name} charset may only contain A-Z, a-z, 0-9 and - . _ ~ (not allowed: {Describe(bad)}).";
            return;
        }

        var duplicates = charset.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
        {
            errors[field] = $"The {name} charset repeats {Describe(duplicates)}; each symbol may appear once.";
            return;
        }

        if (charset.Length < 2)
        {
            errors[field] = $"The {name} charset needs at least 2 distinct symbols.";
        }
    }

    private static string Describe(IEnumerable<char> chars) =>
        string.Join(" ", chars.Select(c => char.IsWhiteSpace(c) || char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'"));
}

public enum EntropyLevel
{
    Refused,
    Warning,
    Good,
}
