using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data.Configurations;

internal sealed class QrTransactionConfiguration : IEntityTypeConfiguration<QrTransaction>
{
    public void Configure(EntityTypeBuilder<QrTransaction> builder)
    {
        builder.HasKey(t => t.Id);
        builder.Property(t => t.LsiHash).HasMaxLength(32);
        builder.Property(t => t.DsiHash).HasMaxLength(32);
        builder.Property(t => t.TicketHash).HasMaxLength(32);
        builder.Property(t => t.UserCodeHash).HasMaxLength(32);
        builder.Property(t => t.MatchChoices).HasMaxLength(16);
        builder.Property(t => t.BrowserBindingHash).HasMaxLength(32);
        builder.Property(t => t.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.ProfileId).HasMaxLength(64);
        builder.Property(t => t.RequesterIp).HasMaxLength(64);
        builder.Property(t => t.RequesterUserAgent).HasMaxLength(512);
        builder.Property(t => t.ApproverIp).HasMaxLength(64);
        builder.Property(t => t.ApproverUserAgent).HasMaxLength(512);
        builder.Property(t => t.UserId).HasMaxLength(450);

        builder.HasIndex(t => t.LsiHash).IsUnique();
        builder.HasIndex(t => t.TicketHash).IsUnique();
        // Unique like the lsi: a typed code names one transaction, and a colliding draw is drawn again.
        builder.HasIndex(t => t.UserCodeHash).IsUnique();
        builder.HasIndex(t => new { t.State, t.ExpiresAt });
        builder.HasIndex(t => t.UpdatedAt);
    }
}
