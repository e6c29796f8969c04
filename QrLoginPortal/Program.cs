using MudBlazor.Services;
using QrLoginPortal.Accounts;
using QrLoginPortal.Admin;
using QrLoginPortal.Api;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Components;
using QrLoginPortal.Components.Account;
using QrLoginPortal.Data;
using QrLoginPortal.Email;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddHttpContextAccessor();

builder.AddPortalData();
builder.AddPortalIdentity();
builder.AddPortalEmail();
builder.AddAccounts();
builder.AddAudit();
builder.AddSecretSafeLogging();
builder.AddSessions();
builder.AddSessionBearerTokens();
builder.AddQrLogin();
builder.AddBadges();
builder.AddQrSignIn();
builder.AddRequestLimits();
builder.AddCircuitLimits();
builder.AddAdminConsole();
builder.AddQrLoginApi();

var app = builder.Build();

app.UseTrustedForwardedHeaders();
// First, so every response carries the headers, whichever later step produces it.
app.UseSecurityHeaders();
app.UseCookiePolicy();

if (app.Environment.IsDevelopment())
{
    app.UseMigrationsEndPoint();
}
else
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
    app.UseHsts();
}

// Before the status-code pages, so a refused circuit stays a plain 403.
app.UseSameOriginCircuits();
app.UseCircuitLimits();
app.UseStatusCodePagesOutsideApi("/not-found");
app.UseHttpsRedirection();
// Before authentication: OpenIddict's handlers read form bodies there.
app.UseRequestLimits();
// Named here rather than left to the host, which would run authentication before everything above.
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseChoosePasswordGate();
app.UseRateLimiter();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>()
    // SecurityHeaders already sends frame-ancestors 'none'; Blazor's own 'self' header would only add a second, weaker one.
    .AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
app.MapAdditionalIdentityEndpoints();
app.MapQrSignIn();
app.MapAdminConsole();
app.MapQrLoginApi();
// The interactive API page, served from the package's own files (no CDN).
app.UseSwaggerUI(options =>
{
    options.SwaggerEndpoint("/openapi/v1.json", "QrLoginPortal API");
    options.RoutePrefix = "api-docs";
    options.DocumentTitle = "QrLoginPortal API";
    // Swagger UI's own colours fall below WCAG contrast; this sheet darkens them.
    options.InjectStylesheet("/api-docs.css");
});

await app.InitializePortalDataAsync();
await app.ProvisionApiAsync();
app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
