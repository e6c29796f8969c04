using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

/// <param name="Subject">Exactly one subject (a transaction, a user, a session): that thing's whole story.</param>
public sealed record AuditFilter(string? Type = null, string? User = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    string? Subject = null);

/// <param name="SubjectEmail">Set when the subject is a user, so the page can name and link them.</param>
public sealed record AuditRow(long Id, DateTimeOffset At, string Type, string? UserId, string? UserEmail, string? Subject,
    string? Ip, string Outcome, string? Details, string? SubjectEmail = null);

/// <summary>Reads the audit log page by page in the database (indexed by time), so 100,000 rows stay fast.</summary>
public sealed class AuditQueries(IDbContextFactory<ApplicationDbContext> dbFactory)
{
    public const int MaxPageSize = 200;

    public async Task<(IReadOnlyList<AuditRow> Rows, int Total)> PageAsync(AuditFilter filter, int skip, int take,
        CancellationToken ct = default)
    {
        take = Math.Clamp(take, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = Filtered(db, filter);
        var total = await query.CountAsync(ct);
        var rows = await Project(db, query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip(Math.Max(0, skip)).Take(take))
            .ToListAsync(ct);
        return (rows, total);
    }

    /// <summary>Writes the filtered log as CSV (RFC 4180), newest first, streaming from the database.</summary>
    public async Task WriteCsvAsync(AuditFilter filter, Stream output, CancellationToken ct = default)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteLineAsync("time,type,user_id,user_email,subject,ip,outcome,details");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = Project(db, Filtered(db, filter).OrderByDescending(e => e.At).ThenByDescending(e => e.Id)).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            await writer.WriteLineAsync(string.Join(",",
                Csv(row.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)), Csv(row.Type), Csv(row.UserId),
                Csv(row.UserEmail), Csv(row.Subject), Csv(row.Ip), Csv(row.Outcome), Csv(row.Details)));
        }
    }

    private static IQueryable<AuditEvent> Filtered(ApplicationDbContext db, AuditFilter filter)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Type))
        {
            query = query.Where(e => e.Type == filter.Type);
        }

        if (!string.IsNullOrWhiteSpace(filter.User))
        {
            var user = filter.User.Trim();
            var normalized = user.ToUpperInvariant();
            var ids = db.Users.Where(u => u.NormalizedEmail!.Contains(normalized)).Select(u => u.Id);
            query = query.Where(e => e.UserId == user || ids.Contains(e.UserId!) || e.Subject == user || ids.Contains(e.Subject!));
        }

        if (!string.IsNullOrWhiteSpace(filter.Subject))
        {
            var subject = filter.Subject.Trim();
            query = query.Where(e => e.Subject == subject);
        }

        // Stored values are UTC and compared as numbers: bring any offset to UTC first.
        if (filter.From is { } from)
        {
            var fromUtc = from.ToUniversalTime();
            query = query.Where(e => e.At >= fromUtc);
        }

        if (filter.To is { } to)
        {
            var toUtc = to.ToUniversalTime();
            query = query.Where(e => e.At <= toUtc);
        }

        return query;
    }

    private static IQueryable<AuditRow> Project(ApplicationDbContext db, IQueryable<AuditEvent> events) =>
        from e in events
        join u in db.Users on e.UserId equals u.Id into users
        from u in users.DefaultIfEmpty()
        join s in db.Users on e.Subject equals s.Id into subjects
        from s in subjects.DefaultIfEmpty()
        select new AuditRow(e.Id, e.At, e.Type, e.UserId, u == null ? null : u.Email, e.Subject, e.Ip, e.Outcome, e.Details,
            s == null ? null : s.Email);

    // Quotes every field and defuses spreadsheet formulas (a user agent or email starting with "=").
    private static string Csv(string? value)
    {
        value ??= "";
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0]))
        {
            value = "'" + value;
        }

        return "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
