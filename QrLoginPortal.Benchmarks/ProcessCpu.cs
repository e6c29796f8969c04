using System.Globalization;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// CPU time (user + system, with that of reaped children) of this benchmark's descendant processes, split into
/// the portal and Chromium, read from /proc. Unlike wall time it does not grow when other work shares the cores,
/// so an A/B comparison holds on a busy machine. Linux only; elsewhere it reads zero.
/// </summary>
public static class ProcessCpu
{
    public readonly record struct Sample(double PortalMs, double ChromiumMs);

    public static Sample Read(int portalPid)
    {
        if (!Directory.Exists("/proc/self"))
        {
            return default;
        }

        var parents = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        var names = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ..." – comm may hold spaces, so split after the last ')'.
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                // utime, stime, cutime, cstime are fields 14–17 of stat, 11–14 after the comm.
                ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                names[pid] = stat[(stat.IndexOf('(') + 1)..close];
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }

        var self = Environment.ProcessId;
        double portal = 0, chromium = 0;
        foreach (var (pid, t) in ticks)
        {
            if (pid == portalPid || IsUnder(pid, portalPid, parents))
            {
                portal += t;
            }
            else if (IsUnder(pid, self, parents) && names[pid].Contains("chrom", StringComparison.OrdinalIgnoreCase))
            {
                chromium += t;
            }
        }

        // Linux reports clock ticks of 1/100 s (USER_HZ).
        return new(portal * 10, chromium * 10);
    }

    private static bool IsUnder(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (var p = pid; parents.TryGetValue(p, out var parent) && p > 1; p = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
