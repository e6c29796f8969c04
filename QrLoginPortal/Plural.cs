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
}
