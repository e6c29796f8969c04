using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Accounts;

/// <summary>"Is an administrator" for the engine's approver passkey policy, by the one definition (<see cref="Roles.AdminIds"/>).</summary>
public sealed class ApproverRoles(IDbContextFactory<ApplicationDbContext> dbFactory) : IApproverRoles
{
    public async Task<bool> IsAdminAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Roles.AdminIds(db).ContainsAsync(userId, ct);
    }
}
