using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.Badges;

namespace QrLoginPortal.Data.Configurations;

internal sealed class BadgeConfiguration : IEntityTypeConfiguration<Badge>
{
    public void Configure(EntityTypeBuilder<Badge> builder)
    {
        builder.HasKey(b => b.Id);
        builder.Property(b => b.UserId).HasMaxLength(450);
        builder.Property(b => b.IssuedBy).HasMaxLength(450);
        builder.Property(b => b.VoidedReason).HasMaxLength(128);
        builder.HasIndex(b => b.SecretHash).IsUnique();
        builder.HasIndex(b => new { b.UserId, b.VoidedAt });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(b => b.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BadgePolicyConfiguration : IEntityTypeConfiguration<BadgePolicy>
{
    public void Configure(EntityTypeBuilder<BadgePolicy> builder)
    {
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.UpdatedBy).HasMaxLength(256);
    }
}
