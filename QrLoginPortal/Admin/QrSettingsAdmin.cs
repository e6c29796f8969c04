using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Admin;

/// <summary>
/// The QR settings for administrators: save and restore, each checked by <see cref="AdminGuard"/>
/// (which audits a refusal) like every other admin action; the store audits the change itself.
/// </summary>
public sealed class QrSettingsAdmin(QrSettingsStore store, AdminGuard guard)
{
    /// <inheritdoc cref="QrSettingsStore.UpdateAsync"/>
    /// <exception cref="AdminAccessDeniedException">The actor is not an unlocked administrator in a live session right now.</exception>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(AdminActor actor, QrSettings proposed, DateTimeOffset? expectedUpdatedAt,
        CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await store.UpdateAsync(proposed, actor.UserId, actor.Name, actor.Ip, ct: ct, expectedUpdatedAt: expectedUpdatedAt);
    }

    /// <inheritdoc cref="QrSettingsStore.RestoreAsync"/>
    /// <exception cref="AdminAccessDeniedException">The actor is not an unlocked administrator in a live session right now.</exception>
    public async Task<IReadOnlyDictionary<string, string>> RestoreAsync(AdminActor actor, long versionId, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await store.RestoreAsync(versionId, actor.UserId, actor.Name, actor.Ip, ct: ct);
    }
}
