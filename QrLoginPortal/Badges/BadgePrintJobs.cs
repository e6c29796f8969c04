using System.Collections.Concurrent;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

/// <summary>
/// Badges just issued, kept in memory for a few minutes so their print page can show the codes
/// (which the database only holds hashed). A job is opened by a random reference and only by the
/// person who issued it; it never reaches the database or a log.
/// </summary>
public sealed class BadgePrintJobs(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, Job> _jobs = new();

    public string Create(string ownerUserId, IReadOnlyList<PrintableBadge> badges)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, job) in _jobs)
        {
            if (job.ExpiresAt <= now)
            {
                _jobs.TryRemove(key, out _);
            }
        }

        var id = Secrets.NewToken();
        _jobs[id] = new Job(ownerUserId, badges, now + Lifetime);
        return id;
    }

    /// <summary>The badges of the job, for its owner while it lasts; null otherwise.</summary>
    public IReadOnlyList<PrintableBadge>? Get(string? id, string? ownerUserId) =>
        id is not null && ownerUserId is not null && _jobs.TryGetValue(id, out var job) && job.OwnerUserId == ownerUserId
        && job.ExpiresAt > clock.GetUtcNow()
            ? job.Badges
            : null;

    private sealed record Job(string OwnerUserId, IReadOnlyList<PrintableBadge> Badges, DateTimeOffset ExpiresAt);
}
