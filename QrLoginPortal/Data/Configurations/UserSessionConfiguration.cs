using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Data.Configurations;

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.UserId).HasMaxLength(450);
        builder.Property(s => s.Ip).HasMaxLength(64);
        builder.Property(s => s.UserAgent).HasMaxLength(512);
        builder.Property(s => s.Method).HasMaxLength(32);
        builder.Property(s => s.EndedReason).HasMaxLength(128);
        builder.HasIndex(s => new { s.UserId, s.EndedAt });
        builder.HasIndex(s => s.SsoTokenHash).IsUnique();
    }
}
