using System.Globalization;

namespace QrLoginPortal.Api;

public static class ApiTimestamps
{
    /// <summary>ISO-8601 UTC with milliseconds, as the seeds show: 2021-01-18T12:21:22.257Z.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
