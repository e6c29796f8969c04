using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

public static class AdminExtensions
{
    public const string AuditCsvPath = "/admin/audit.csv";

    public static IHostApplicationBuilder AddAdminConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin).AddRequirements(new StillAdminRequirement()));
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, StillAdminHandler>();
        builder.Services.AddSingleton<AdminGuard>();
        builder.Services.AddSingleton<TransactionMonitor>();
        builder.Services.AddSingleton<AuditQueries>();
        builder.Services.AddSingleton<UserAdmin>();
        builder.Services.AddSingleton<BadgeAdmin>();
        builder.Services.AddSingleton<RoleAdmin>();
        builder.Services.AddSingleton<ApiClientAdmin>();
        builder.Services.AddSingleton<ApplicationAdmin>();
        builder.Services.AddSingleton<ProfileAdmin>();
        builder.Services.AddSingleton<QrSettingsAdmin>();
        return builder;
    }

    /// <summary>The audit log as a CSV download, with the filters of the audit page.</summary>
    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        app.MapGet(AuditCsvPath, async (HttpContext context, AuditQueries queries, AuditLog audit, TimeProvider clock,
                string? type, string? user, DateTimeOffset? from, DateTimeOffset? to, string? subject) =>
            {
                // The Admin policy has already asked the database; the export itself is an audited act.
                await audit.WriteAsync(AuditTypes.AuditExport, AuditOutcomes.Success,
                    context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, "audit-log",
                    context.ClientIp(), $"type={type} user={user} subject={subject} from={from:o} to={to:o}", context.RequestAborted);

                return Results.Stream(stream => queries.WriteCsvAsync(new AuditFilter(type, user, from, to, subject), stream, context.RequestAborted),
                    "text/csv; charset=utf-8", $"audit-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv");
            })
            .RequireAuthorization(Policies.Admin)
            .WithName("ExportAuditCsv");
        return app;
    }
}
