using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data.Configurations;

internal sealed class QrSettingsConfiguration : IEntityTypeConfiguration<QrSettings>
{
    public void Configure(EntityTypeBuilder<QrSettings> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.LsiCharset).HasMaxLength(128);
        builder.Property(s => s.DsiCharset).HasMaxLength(128);
        builder.Property(s => s.UpdatedBy).HasMaxLength(256);
    }
}
