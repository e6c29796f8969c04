using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.Api;

namespace QrLoginPortal.Data.Configurations;

internal sealed class RegistrationProfileConfiguration : IEntityTypeConfiguration<RegistrationProfile>
{
    public void Configure(EntityTypeBuilder<RegistrationProfile> builder)
    {
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(128);
        builder.HasIndex(p => p.Name).IsUnique();
    }
}
