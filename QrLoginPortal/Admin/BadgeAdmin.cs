using QrLoginPortal.Badges;

namespace QrLoginPortal.Admin;

/// <summary>Badges for administrators: every action re-checks the actor with <see cref="AdminGuard"/>; the engine audits it.</summary>
public sealed class BadgeAdmin(BadgeService badges, BadgePolicyStore policies, BadgePrintJobs printJobs, AdminGuard guard)
{
    public Task<BadgePolicy> GetPolicyAsync(CancellationToken ct = default) => policies.GetAsync(ct);

    public async Task<IReadOnlyDictionary<string, string>> UpdatePolicyAsync(AdminActor actor, BadgePolicy policy, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await policies.UpdateAsync(policy, actor.UserId, actor.Name, actor.Ip, ct);
    }

    /// <summary>A new badge for one user (their old one stops working); the print job to open, or a refusal.</summary>
    public async Task<(string? PrintJob, UserActionResult Result)> IssueAsync(AdminActor actor, string userId, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var issued = await badges.IssueAsync(userId, actor.UserId, actor.Ip, ct);
        return issued is null
            ? (null, UserActionResult.Refused("No such user."))
            : (printJobs.Create(actor.UserId!, [issued.ToPrintable()]), UserActionResult.Done($"Issued a badge for {issued.Name}."));
    }

    /// <summary>New badges for the people an admin's search listed, as one sheet to print.</summary>
    public async Task<(string? PrintJob, UserActionResult Result)> IssueForUsersAsync(AdminActor actor, IReadOnlyList<string> userIds,
        CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        var issued = await badges.IssueForUsersAsync(userIds, actor.UserId, actor.Ip, ct);
        return issued.Count == 0
            ? (null, UserActionResult.Refused("Nobody is listed to issue a badge to."))
            : (printJobs.Create(actor.UserId!, [.. issued.Select(b => b.ToPrintable())]), UserActionResult.Done($"Issued {Plural.Of(issued.Count, "badge")}."));
    }

    /// <summary>New badges for every unlocked member of a role, as one sheet to print.</summary>
    public async Task<(string? PrintJob, UserActionResult Result)> IssueForRoleAsync(AdminActor actor, string role, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (!(await policies.RoleNamesAsync(ct)).Contains(role))
        {
            return (null, UserActionResult.Refused($"Unknown role '{role}'."));
        }

        var issued = await badges.IssueForRoleAsync(role, actor.UserId, actor.Ip, ct);
        return issued.Count == 0
            ? (null, UserActionResult.Refused($"No unlocked member of {role} to issue a badge to."))
            : (printJobs.Create(actor.UserId!, [.. issued.Select(b => b.ToPrintable())]), UserActionResult.Done($"Issued {Plural.Of(issued.Count, "badge")} for {role}."));
    }

    /// <summary>Insecure ID badges (the QR names the person) for one user or a whole role; refused unless the policy has them on.</summary>
    public async Task<(string? PrintJob, UserActionResult Result)> PrintIdBadgesAsync(AdminActor actor, string? userId, string? role,
        CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        IReadOnlyList<string> userIds = userId is not null ? [userId]
            : role is not null && (await policies.RoleNamesAsync(ct)).Contains(role) ? await badges.MembersAsync(role, ct)
            : [];
        var printable = await badges.IdBadgesAsync(userIds, actor.UserId, actor.Ip, ct);
        return printable.Count == 0
            ? (null, UserActionResult.Refused("No ID badges to print: switch insecure ID badges on in the policy, and choose someone who can sign in."))
            : (printJobs.Create(actor.UserId!, printable), UserActionResult.Done($"{Plural.Of(printable.Count, "ID badge")} ready to print."));
    }

    public async Task<UserActionResult> VoidAsync(AdminActor actor, string userId, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await badges.VoidAsync(userId, "voided by an administrator", actor.UserId, actor.Ip, ct)
            ? UserActionResult.Done("The badge was voided; it no longer signs anyone in.")
            : UserActionResult.Refused("That user has no usable badge.");
    }

    public async Task<UserActionResult> VoidAllForRoleAsync(AdminActor actor, string role, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (!(await policies.RoleNamesAsync(ct)).Contains(role))
        {
            return UserActionResult.Refused($"Unknown role '{role}'.");
        }

        var voided = await badges.VoidAllForRoleAsync(role, actor.UserId, actor.Ip, ct);
        return UserActionResult.Done($"Voided {Plural.Of(voided, "badge")} of {role}.");
    }
}
