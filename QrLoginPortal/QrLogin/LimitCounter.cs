namespace QrLoginPortal.QrLogin;

/// <summary>
/// One key's events in its current window, as <see cref="PostgresLimitCounters"/> keeps them so that every node
/// counts in the same row. The window's end is Unix milliseconds on the nodes' clocks (the counters' own SQL
/// compares it; the portal's DateTimeOffset columns are stored in a packed form that SQL cannot do arithmetic on).
/// </summary>
public sealed class LimitCounter
{
    public const int MaxKeyLength = 200;

    public required string Key { get; set; }

    public long WindowEndUnixMs { get; set; }

    public int Count { get; set; }
}
