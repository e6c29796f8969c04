using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>Reads and changes the single QR settings row. Reads are served from memory; a change is validated, saved, audited, then served.</summary>
public sealed class QrSettingsStore(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    /// <summary>Error key when a save is refused because the settings changed meanwhile.</summary>
    public const string ConcurrencyField = "concurrency";

    private readonly CachedRow<QrSettings> _current = new(dbFactory, db => db.QrSettings.Where(s => s.Id == QrSettings.SingletonId),
        s => s.UpdatedAt, () => new QrSettings(), s => s.Copy(), clock);
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>The settings in force (a copy the caller may change freely); a save on another node is seen within <see cref="CachedRow{T}.RecheckAfter"/>.</summary>
    public Task<QrSettings> GetAsync(CancellationToken ct = default) => _current.GetAsync(ct);

    /// <summary>Validates and saves <paramref name="proposed"/> as a new version; returns the field errors, empty when saved.</summary>
    /// <param name="expectedUpdatedAt">When given, the save is refused if someone else saved since (the caller's copy is stale).</param>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAsync(QrSettings proposed, string? actorUserId, string? actorName,
        string? ip, string? note = null, string auditType = AuditTypes.QrSettingsChange, DateTimeOffset? expectedUpdatedAt = null,
        CancellationToken ct = default)
    {
        var errors = QrSettingsRules.Validate(proposed);
        if (errors.Count > 0)
        {
            return errors;
        }

        await _writeLock.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var row = await db.QrSettings.SingleOrDefaultAsync(s => s.Id == QrSettings.SingletonId, ct);
            var before = row?.Copy() ?? new QrSettings();
            if (expectedUpdatedAt is { } expected && before.UpdatedAt != expected)
            {
                return new Dictionary<string, string>
                {
                    [ConcurrencyField] = $"The settings were changed by {before.UpdatedBy ?? "someone else"} at {before.UpdatedAt:u} since you opened them; nothing was saved. Reload to see them.",
                };
            }

            if (row is null)
            {
                row = new QrSettings();
                db.QrSettings.Add(row);
            }

            row.LsiCharset = proposed.LsiCharset;
            row.LsiLength = proposed.LsiLength;
            row.DsiCharset = proposed.DsiCharset;
            row.DsiLength = proposed.DsiLength;
            row.ExpirySeconds = proposed.ExpirySeconds;
            row.Enabled = proposed.Enabled;
            row.UserCodeEnabled = proposed.UserCodeEnabled;
            row.NumberMatching = proposed.NumberMatching;
            row.ApproverPasskey = proposed.ApproverPasskey;
            // Whole milliseconds: the stored value round-trips exactly, so a later concurrency check compares equal.
            var now = clock.GetUtcNow();
            row.UpdatedAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
            row.UpdatedBy = actorName;

            db.QrSettingsVersions.Add(QrSettingsVersion.Of(row, row.UpdatedAt, actorUserId, actorName, note));
            db.AuditEvents.Add(audit.Create(auditType, AuditOutcomes.Success, actorUserId,
                subject: "qr-settings", ip: ip, details: $"{(note is null ? "" : note + ": ")}{before} → {row}"));
            await db.SaveChangesAsync(ct);
            _current.Set(row);
            return new Dictionary<string, string>();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Every saved version, newest first.</summary>
    public async Task<IReadOnlyList<QrSettingsVersion>> HistoryAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrSettingsVersions.AsNoTracking().OrderByDescending(v => v.Id).ToListAsync(ct);
    }

    /// <summary>
    /// Makes an earlier version the settings in force (as a new version), validated by today's rules:
    /// a version that no longer validates is refused with its field errors and nothing changes.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> RestoreAsync(long versionId, string? actorUserId, string? actorName,
        string? ip, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var version = await db.QrSettingsVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Id == versionId, ct);
        if (version is null)
        {
            return new Dictionary<string, string> { ["version"] = $"Version {versionId} does not exist." };
        }

        var errors = await UpdateAsync(version.ToSettings(), actorUserId, actorName, ip,
            note: $"restored version {versionId}", auditType: AuditTypes.QrSettingsRestore, ct: ct);
        if (errors.Count > 0)
        {
            await audit.WriteAsync(AuditTypes.QrSettingsRestore, AuditOutcomes.Refused, actorUserId, "qr-settings", ip,
                $"version {versionId} no longer validates: {string.Join(" ", errors.Values)}", ct);
        }

        return errors;
    }
}
