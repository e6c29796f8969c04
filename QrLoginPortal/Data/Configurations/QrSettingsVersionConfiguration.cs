using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data.Configurations;

internal sealed class QrSettingsVersionConfiguration : IEntityTypeConfiguration<QrSettingsVersion>
{
    public void Configure(EntityTypeBuilder<QrSettingsVersion> builder)
    {
        builder.HasKey(v => v.Id);
        builder.Property(v => v.LsiCharset).HasMaxLength(128);
        builder.Property(v => v.DsiCharset).HasMaxLength(128);
        builder.Property(v => v.ChangedBy).HasMaxLength(256);
        builder.Property(v => v.ChangedByUserId).HasMaxLength(450);
        builder.Property(v => v.Note).HasMaxLength(256);
        builder.HasIndex(v => v.ChangedAt);
    }
}
