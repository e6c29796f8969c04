namespace QrLoginPortal.Audit;

/// <summary>
/// Log categories that write request URLs or tokens below a certain level: the approval URL carries
/// the lsi (/qr/{lsi}), the seeds' poll API the dsi (?dsi=), OpenIddict traces every token it
/// creates. Whatever the configuration asks for (Debug for everything, say), these categories never
/// log below their floor, so turning up the logging cannot leak a secret.
/// </summary>
public static class SecretSafeLogging
{
    private static readonly (string Category, LogLevel Floor)[] Floors =
    [
        // "Request starting GET /qr/{lsi}", "?dsi=…": every request's path and query at Information.
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning),
        ("Microsoft.AspNetCore.HttpLogging", LogLevel.Warning),
        // Paths at Debug ("no candidates for the request path …", "the request path … does not match").
        ("Microsoft.AspNetCore.Routing", LogLevel.Information),
        ("Microsoft.AspNetCore.Components.Routing", LogLevel.Information),
        ("Microsoft.AspNetCore.StaticFiles", LogLevel.Information),
        ("Microsoft.AspNetCore.StaticAssets", LogLevel.Information),
        ("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Information),
        // Tokens in full at Trace and Debug ("A new access_token JSON Web Token was successfully created: eyJ…").
        ("OpenIddict", LogLevel.Information),
    ];

    public static IHostApplicationBuilder AddSecretSafeLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.PostConfigure<LoggerFilterOptions>(RaiseFloors);
        return builder;
    }

    /// <summary>Adds, for every provider named in the rules and for none, a rule keeping each category at least at its floor.</summary>
    internal static void RaiseFloors(LoggerFilterOptions options)
    {
        var providers = options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList();
        foreach (var (category, floor) in Floors)
        {
            foreach (var provider in providers)
            {
                var configured = ConfiguredLevel(options, provider, category);
                if (configured < floor)
                {
                    options.Rules.Add(new LoggerFilterRule(provider, category, floor, filter: null));
                }
            }
        }
    }

    /// <summary>The level the rules give <paramref name="category"/> for <paramref name="provider"/>, chosen as the logging library chooses (provider-specific first, then the longest category prefix, the later of equals).</summary>
    private static LogLevel ConfiguredLevel(LoggerFilterOptions options, string? provider, string category)
    {
        LoggerFilterRule? best = null;
        foreach (var rule in options.Rules)
        {
            if ((rule.ProviderName is not null && rule.ProviderName != provider)
                || (rule.CategoryName is not null && !category.StartsWith(rule.CategoryName.Split('*')[0], StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (best is not null)
            {
                if (best.ProviderName is not null && rule.ProviderName is null)
                {
                    continue;
                }

                var moreSpecificProvider = best.ProviderName is null && rule.ProviderName is not null;
                if (!moreSpecificProvider && best.CategoryName is not null
                    && (rule.CategoryName is null || rule.CategoryName.Length < best.CategoryName.Length))
                {
                    continue;
                }
            }

            best = rule;
        }

        return best?.LogLevel ?? options.MinLevel;
    }
}
