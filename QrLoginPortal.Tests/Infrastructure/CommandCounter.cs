using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>Counts every database command created through the contexts it is added to (round trips a change must not add).</summary>
public sealed class CommandCounter : DbCommandInterceptor
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result)
    {
        Interlocked.Increment(ref _count);
        return result;
    }
}
