using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.Api;

namespace QrLoginPortal.Data.Configurations;

internal sealed class ServerKeyConfiguration : IEntityTypeConfiguration<ServerKey>
{
    public void Configure(EntityTypeBuilder<ServerKey> builder)
    {
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.HasIndex(k => new { k.Use, k.ActiveFrom });
    }
}
