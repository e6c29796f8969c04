using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data.Configurations;

internal sealed class LimitCounterConfiguration : IEntityTypeConfiguration<LimitCounter>
{
    public void Configure(EntityTypeBuilder<LimitCounter> builder)
    {
        builder.HasKey(c => c.Key);
        builder.Property(c => c.Key).HasMaxLength(LimitCounter.MaxKeyLength);
        // Expired windows are deleted by their end.
        builder.HasIndex(c => c.WindowEndUnixMs);
    }
}
