using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using QrLoginPortal.Api;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Data;

public class ApplicationDbContext(DbContextOptions<ApplicationDbContext> options) : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    public DbSet<QrTransaction> QrTransactions => Set<QrTransaction>();
    public DbSet<QrSettings> QrSettings => Set<QrSettings>();
    public DbSet<QrSettingsVersion> QrSettingsVersions => Set<QrSettingsVersion>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<RegistrationProfile> RegistrationProfiles => Set<RegistrationProfile>();
    public DbSet<Badge> Badges => Set<Badge>();
    public DbSet<BadgePolicy> BadgePolicies => Set<BadgePolicy>();

    /// <summary>The token server's signing and encryption keys, shared by every node (see <see cref="ServerKeyRing"/>).</summary>
    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();

    /// <summary>Short-lived entries (authn flows, badge print sheets) every node reads, when several share the database.</summary>
    public DbSet<ExpiringEntry> ExpiringEntries => Set<ExpiringEntry>();

    /// <summary>Rate-limit counters every node shares on PostgreSQL (<see cref="PostgresLimitCounters"/>); unused on SQLite (one node counts in memory).</summary>
    public DbSet<LimitCounter> LimitCounters => Set<LimitCounter>();

    /// <summary>The Data Protection key ring, shared by every node (cookies, antiforgery and the binding cookie made on one are read on all).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset text; stored as a sortable 64-bit number
        // (all values are UTC) the expiry checks run inside the database.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ApplicationDbContext).Assembly);
        builder.UseOpenIddict();
    }
}
