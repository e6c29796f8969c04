using System.Text.RegularExpressions;

namespace QrLoginPortal.QrLogin;

/// <summary>Browser and operating system read from a User-Agent header, good enough for a person to recognise their own machine.</summary>
public sealed partial record UserAgentSummary(string Browser, string OperatingSystem)
{
    public static UserAgentSummary Parse(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return new("Unknown browser", "unknown system");
        }

        return new(ParseBrowser(userAgent), ParseOperatingSystem(userAgent));
    }

    public override string ToString() => $"{Browser} on {OperatingSystem}";

    // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
    private static string ParseBrowser(string ua)
    {
        (string Token, string Name)[] browsers =
        [
            ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
            ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("HeadlessChrome/", "Chrome (headless)"),
            ("Chrome/", "Chrome"),
        ];
        foreach (var (token, name) in browsers)
        {
            var version = VersionAfter(ua, token);
            if (version is not null)
            {
                return $"{name} {version}";
            }
        }

        if (ua.Contains("Safari/", StringComparison.Ordinal) && VersionAfter(ua, "Version/") is { } safari)
        {
            return $"Safari {safari}";
        }

        if (ua.Contains("curl/", StringComparison.OrdinalIgnoreCase))
        {
            return "curl";
        }

        return "Unknown browser";
    }

    private static string ParseOperatingSystem(string ua)
    {
        if (ua.Contains("iPhone", StringComparison.Ordinal)) return "iOS (iPhone)";
        if (ua.Contains("iPad", StringComparison.Ordinal)) return "iPadOS";
        if (AndroidVersion().Match(ua) is { Success: true } android) return $"Android {android.Groups[1].Value}";
        if (ua.Contains("Android", StringComparison.Ordinal)) return "Android";
        if (ua.Contains("Windows NT 10.0", StringComparison.Ordinal)) return "Windows 10/11";
        if (ua.Contains("Windows", StringComparison.Ordinal)) return "Windows";
        if (ua.Contains("CrOS", StringComparison.Ordinal)) return "ChromeOS";
        if (ua.Contains("Mac OS X", StringComparison.Ordinal) || ua.Contains("Macintosh", StringComparison.Ordinal)) return "macOS";
        if (ua.Contains("Linux", StringComparison.Ordinal)) return "Linux";
        return "unknown system";
    }

    private static string? VersionAfter(string ua, string token)
    {
        var at = ua.IndexOf(token, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + token.Length;
        var end = start;
        while (end < ua.Length && char.IsDigit(ua[end]))
        {
            end++;
        }

        return end > start ? ua[start..end] : "";
    }

    [GeneratedRegex(@"Android (\d+)")]
    private static partial Regex AndroidVersion();
}
