namespace QrLoginPortal.Admin;

public static class AdminExtensions
{
    public static IHostApplicationBuilder AddAdminConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminGuard>();
        return builder;
    }
}
