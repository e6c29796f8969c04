using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>Reads and changes the single QR settings row. Reads are served from memory; a change is validated, saved, audited, then served.</summary>
public sealed class QrSettingsStore(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    private volatile QrSettings? _current;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>The settings in force (a copy the caller may change freely).</summary>
    public async Task<QrSettings> GetAsync(CancellationToken ct = default)
    {
        var current = _current;
        if (current is null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            current = await db.QrSettings.AsNoTracking().SingleOrDefaultAsync(s => s.Id == QrSettings.SingletonId, ct)
                      ?? new QrSettings();
            _current = current;
        }

        return current.Copy();
    }

    /// <summary>Validates and saves <paramref name="proposed"/>; returns the field errors, empty when saved.</summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAsync(QrSettings proposed, string? actorUserId, string? actorName,
        string? ip, CancellationToken ct = default)
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
            row.UpdatedAt = clock.GetUtcNow();
            row.UpdatedBy = actorName;

            db.AuditEvents.Add(audit.Create(AuditTypes.QrSettingsChange, AuditOutcomes.Success, actorUserId,
                subject: "qr-settings", ip: ip, details: $"{before} → {row}"));
            await db.SaveChangesAsync(ct);
            _current = row.Copy();
            return new Dictionary<string, string>();
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
