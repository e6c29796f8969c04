using MudBlazor;

namespace QrLoginPortal.Components.Layout;

/// <summary>The one theme of the portal; app.css maps the static Identity pages onto the same palette.</summary>
public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            // Every colour that carries white text (chips, filled buttons) or is text itself (outlined
            // buttons) keeps a contrast of at least 4.5:1 on white and on the page background (WCAG AA);
            // MudBlazor's defaults (#00c853 green 2.2:1, #f44336 red 3.7:1) do not.
            Primary = "#3f51b5",
            Secondary = "#00796b",
            Success = "#2e7d32",
            Error = "#c62828",
            Info = "#1565c0",
            Warning = "#a65300",
            AppbarBackground = "#283593",
            Background = "#f5f6fa",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"] },
            // Sentence case, as the account pages' buttons and every label: "Sign out", not "SIGN OUT".
            Button = new ButtonTypography { TextTransform = "none", FontWeight = "600" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "10px" },
    };
}
