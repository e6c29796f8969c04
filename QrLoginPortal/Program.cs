using MudBlazor.Services;
using QrLoginPortal;
using QrLoginPortal.Accounts;
using QrLoginPortal.Admin;
using QrLoginPortal.Api;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Components;
using QrLoginPortal.Components.Account;
using QrLoginPortal.Components.Layout;
using QrLoginPortal.Components.QrLogin;
using QrLoginPortal.Data;
using QrLoginPortal.Email;
using QrLoginPortal.Oidc;
using QrLoginPortal.Operations;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;

var builder = WebApplication.CreateBuilder(args);
// MapStaticAssets run from build output (dotnet run, the tests) adds a catch-all for files put into wwwroot after the
// build. It takes only GET, so routing answered every other method to an unknown address with a 405, not the 404.
// The portal adds no files at run time; DisableStaticAssetNotFoundRuntimeFallback=false brings the catch-all back.
builder.Configuration["DisableStaticAssetNotFoundRuntimeFallback"] ??= bool.TrueString;

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents();
builder.Services.AddCircuitConnection();
builder.Services.AddMudServices();
builder.Services.AddHttpContextAccessor();

builder.AddPortalData();
builder.AddPortalHealth();
builder.AddPortalMetrics();
builder.AddPortalIdentity();
builder.AddPortalEmail();
builder.AddAccounts();
builder.AddAudit();
builder.AddSecretSafeLogging();
builder.AddSessions();
builder.AddSessionBearerTokens();
builder.AddQrLogin();
builder.AddBadges();
builder.AddPortalRateLimiter();
builder.AddQrSignIn();
builder.AddRequestLimits();
builder.AddCircuitLimits();
builder.AddAdminConsole();
builder.AddQrLoginApi();
builder.AddOidcProvider();

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
// Only for GET and HEAD: the not-found page is re-executed with the request's own method, and as a POST or PUT
// it answered 400 (no form) or 405 (no such method) instead of the 404; other methods keep their plain status.
app.UseWhen(context => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method),
    branch => branch.UseStatusCodePagesOutsideApi("/not-found"));
app.UseHttpsRedirection();
// Before authentication: OpenIddict's handlers read form bodies there.
app.UseRequestLimits();
// Named here rather than left to the host, which would run authentication before everything above.
app.UseRouting();
// Before authentication: Prometheus scrapes anonymously, from the networks it is allowed from.
app.UsePortalMetrics();
app.UseAuthentication();
app.UseAuthorization();
app.UseChoosePasswordGate();
app.UseRateLimiter();
app.UseAntiforgery();
// A page's form whose token no longer passes gets a page that says so, not Blazor's plain-text 400 for developers.
app.UseOutOfDateFormPage();
// After every check above (session, [Authorize], rate limit, antiforgery): the phone's Approve is decided before its page renders.
app.UseApprovalDecisions();

// Short-circuited: static files and Blazor's script list skip authentication and its session look-up (nothing user-specific).
app.MapStaticAssets().WithoutSessionCheck();
app.MapPortalHealth();
app.MapDevelopmentDiagnostics();
app.MapRazorComponents<App>()
    // SecurityHeaders already sends frame-ancestors 'none'; Blazor's own 'self' header would only add a second, weaker one.
    .AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null)
    .WithScriptListWithoutSessionCheck();
app.MapAdditionalIdentityEndpoints();
app.MapSignedInProbe();
app.MapQrSignIn();
app.MapAdminConsole();
app.MapQrLoginApi();
app.MapOidcProvider();
app.UseApiDocs();

// Migrations, the settings row, the accounts, then the API clients and the OpenID Connect applications: on one node at a time when several share a database.
await app.InitializeUnderStartUpLockAsync(a => a.InitializePortalDataAsync(), a => a.SeedAccountsAsync(), a => a.ProvisionApiAsync(), a => a.ProvisionOidcApplicationsAsync());
app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
