using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>An entry of a <see cref="DatabaseExpiringStore{TKey, TValue}"/>: one row per entry, every node reads the same.</summary>
public sealed class ExpiringEntry
{
    /// <summary>Which store (the value's type name): authn flows and badge print sheets share the table.</summary>
    public required string Store { get; init; }

    public required string Key { get; init; }

    /// <summary>The value as JSON, protected by Data Protection (a print sheet carries badge codes).</summary>
    public required byte[] Value { get; set; }

    /// <summary>Changed by every replace: the compare-and-set compares it, not the protected bytes.</summary>
    public Guid Version { get; set; }

    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>
/// The expiring store of several nodes (PostgreSQL): an entry made on one node (an authn flow, a
/// badge print sheet) is found, replaced or removed on any other, each change a conditional update
/// on the row's version, so two requests racing on one entry on two nodes cannot both win.
/// </summary>
public sealed class DatabaseExpiringStore<TKey, TValue>(IDbContextFactory<ApplicationDbContext> databases,
    IDataProtectionProvider protection, TimeProvider clock) : IExpiringStore<TKey, TValue> where TKey : notnull
{
    private static readonly string Store = typeof(TValue).Name;

    private readonly IDataProtector _protector = protection.CreateProtector("QrLoginPortal.ExpiringEntries.v1", Store);

    // Expired rows are deleted as entries are added, at most once a minute, whatever the traffic.
    private readonly PeriodicGate _sweep = new(TimeSpan.FromMinutes(1));

    public void Add(TKey key, TValue value, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        using var db = databases.CreateDbContext();
        Sweep(db, now);
        db.Set<ExpiringEntry>().Add(new ExpiringEntry
        {
            Store = Store,
            Key = KeyOf(key),
            Value = _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(value)),
            Version = Guid.NewGuid(),
            ExpiresAt = now + lifetime,
        });
        db.SaveChanges();
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        using var db = databases.CreateDbContext();
        if (Live(db, key) is { } entry)
        {
            value = JsonSerializer.Deserialize<TValue>(_protector.Unprotect(entry.Value))!;
            return true;
        }

        value = default;
        return false;
    }

    public bool TryReplace(TKey key, TValue expected, TValue replacement)
    {
        using var db = databases.CreateDbContext();
        if (Live(db, key) is not { } entry || !Holds(entry, expected))
        {
            return false;
        }

        var value = _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(replacement));
        var now = clock.GetUtcNow();
        return db.Set<ExpiringEntry>()
            .Where(e => e.Store == Store && e.Key == entry.Key && e.Version == entry.Version && e.ExpiresAt > now)
            .ExecuteUpdate(set => set.SetProperty(e => e.Value, value).SetProperty(e => e.Version, Guid.NewGuid())) == 1;
    }

    public bool TryRemove(TKey key, TValue expected)
    {
        using var db = databases.CreateDbContext();
        if (Live(db, key) is not { } entry || !Holds(entry, expected))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        return db.Set<ExpiringEntry>()
            .Where(e => e.Store == Store && e.Key == entry.Key && e.Version == entry.Version && e.ExpiresAt > now)
            .ExecuteDelete() == 1;
    }

    private ExpiringEntry? Live(ApplicationDbContext db, TKey key)
    {
        var now = clock.GetUtcNow();
        var name = KeyOf(key);
        return db.Set<ExpiringEntry>().AsNoTracking().SingleOrDefault(e => e.Store == Store && e.Key == name && e.ExpiresAt > now);
    }

    /// <summary>Whether the entry still holds <paramref name="expected"/>, compared as the JSON both are stored as.</summary>
    private bool Holds(ExpiringEntry entry, TValue expected) =>
        _protector.Unprotect(entry.Value).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(expected));

    private void Sweep(ApplicationDbContext db, DateTimeOffset now)
    {
        if (_sweep.TryPass(now))
        {
            db.Set<ExpiringEntry>().Where(e => e.Store == Store && e.ExpiresAt <= now).ExecuteDelete();
        }
    }

    private static string KeyOf(TKey key) => key.ToString() ?? throw new ArgumentException("A key must have a text form.", nameof(key));
}
