using System.Globalization;

namespace QrLoginPortal;

/// <summary>
/// A count with its noun in the portal's English: "1 badge", "2 badges", "0 signed-in browsers".
/// One helper so that no page says "badge(s)" or "1 seconds".
/// </summary>
public static class Plural
{
    /// <param name="plural">When the plural is not <paramref name="singular"/> + "s".</param>
    public static string Of(long count, string singular, string? plural = null) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural ?? singular + "s")}";

    /// <summary>
    /// How long to wait, as a sentence says it after "Try again in": whole seconds below a minute
    /// ("1 second", "45 seconds"), otherwise whole minutes rounded up ("1 minute", "15 minutes").
    /// </summary>
    public static string Wait(TimeSpan wait)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        return seconds < 60 ? Of(seconds, "second") : Of((seconds + 59) / 60, "minute");
    }
}
