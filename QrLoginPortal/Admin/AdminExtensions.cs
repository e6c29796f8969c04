using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

public static class AdminExtensions
{
    public const string AuditCsvPath = "/admin/audit.csv";

    public static IHostApplicationBuilder AddAdminConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminGuard>();
        builder.Services.AddSingleton<TransactionMonitor>();
        builder.Services.AddSingleton<AuditQueries>();
        builder.Services.AddSingleton<UserAdmin>();
        return builder;
    }

    /// <summary>The audit log as a CSV download, with the filters of the audit page.</summary>
    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        app.MapGet(AuditCsvPath, async (HttpContext context, AuditQueries queries, AdminGuard guard, TimeProvider clock,
                string? type, string? user, DateTimeOffset? from, DateTimeOffset? to) =>
            {
                if (!await guard.IsAdminNowAsync(context.User, context.RequestAborted))
                {
                    return Results.Forbid();
                }

                return Results.Stream(stream => queries.WriteCsvAsync(new AuditFilter(type, user, from, to), stream, context.RequestAborted),
                    "text/csv; charset=utf-8", $"audit-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv");
            })
            .RequireAuthorization(Policies.Admin)
            .WithName("ExportAuditCsv");
        return app;
    }
}
