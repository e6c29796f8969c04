using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data.Configurations;

internal sealed class ExpiringEntryConfiguration : IEntityTypeConfiguration<ExpiringEntry>
{
    public void Configure(EntityTypeBuilder<ExpiringEntry> builder)
    {
        builder.HasKey(e => new { e.Store, e.Key });
        builder.Property(e => e.Store).HasMaxLength(64);
        builder.Property(e => e.Key).HasMaxLength(128);
        builder.HasIndex(e => new { e.Store, e.ExpiresAt });
    }
}
