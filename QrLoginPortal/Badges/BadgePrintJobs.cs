using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

/// <summary>
/// Badges just issued, kept in memory for a few minutes so their print page can show the codes
/// (which the database only holds hashed). A job is opened by a random reference and only by the
/// person who issued it; it never reaches the database or a log.
/// </summary>
public sealed class BadgePrintJobs(IExpiringStore<string, PrintJob> jobs)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public string Create(string ownerUserId, IReadOnlyList<PrintableBadge> badges)
    {
        var id = Secrets.NewToken();
        jobs.Add(id, new PrintJob(ownerUserId, badges), Lifetime);
        return id;
    }

    /// <summary>The badges of the job, for its owner while it lasts; null otherwise.</summary>
    public IReadOnlyList<PrintableBadge>? Get(string? id, string? ownerUserId) =>
        id is not null && ownerUserId is not null && jobs.TryGet(id, out var job) && job.OwnerUserId == ownerUserId ? job.Badges : null;
}

/// <summary>Badges just issued, and who may print them.</summary>
public sealed record PrintJob(string OwnerUserId, IReadOnlyList<PrintableBadge> Badges);
