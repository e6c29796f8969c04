using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>Counts the connections opened through the contexts it is added to (opens a change must not add).</summary>
public sealed class OpenedConnections : DbConnectionInterceptor
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _count);
        return Task.CompletedTask;
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Increment(ref _count);
}
