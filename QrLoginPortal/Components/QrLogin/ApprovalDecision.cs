using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Components.QrLogin;

/// <summary>
/// The phone's Approve or Deny, taken before the approval page renders anything (issue 16). Blazor's endpoint
/// renders the whole layout (theme, app bar, the admin link's policy) before the page's own OnInitializedAsync,
/// and the waiting browser was told only after that. <see cref="ApprovalDecisionExtensions.UseApprovalDecisions"/> takes the decision in the
/// pipeline instead, after authentication, authorization, the rate limiter and antiforgery have all passed
/// for the page's endpoint, and hands the outcome to <see cref="ApproveSignIn"/>, which only shows it. This is
/// the one place the approval form is read and decided.
/// </summary>
internal sealed class ApprovalDecision
{
    /// <summary>The Approve/Deny form of the approval page (its <c>_handler</c>).</summary>
    public const string FormName = "qr-approval";

    /// <summary>Approved, denied or the wrong number; null when nothing was decided (an unusable code, a refusal below).</summary>
    public AttemptResult? Outcome { get; private init; }

    /// <summary>Set when the approver's passkey was asked for and not confirmed: nothing was approved.</summary>
    public string? PasskeyRefusal { get; private init; }

    /// <summary>What the phone's passkey prompt reported, shown with the refusal.</summary>
    public string? PasskeyError { get; private init; }

    /// <summary>Too many failed attempts: how long until the next one.</summary>
    public TimeSpan? ThrottledFor { get; private init; }

    /// <summary>A typed code was posted while typed codes are switched off.</summary>
    public bool UserCodesOff { get; private init; }

    /// <summary>The decision taken for this request, or null when this request carried none.</summary>
    public static ApprovalDecision? Of(HttpContext context) => context.Features.Get<ApprovalDecision>();

    /// <summary>Decides every approval form posted to <see cref="ApproveSignIn"/>; place right after <c>UseAntiforgery</c>.</summary>
    public static IApplicationBuilder Use(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsApprovalPost(context))
        {
            context.Features.Set(await DecideAsync(context, PostedAnswer.Read(context.Request.Form)));
            await LetThePushGoFirstAsync();
        }

        await next(context);
    });

    /// <summary>
    /// The waiting browser's page rendered its change on this thread, inside the decision, and handed the batch to
    /// SignalR; two thread-pool work items then carry it to the socket (SignalR's WebSocket send loop, then Kestrel's
    /// socket writer), each queued behind whatever is queued already. Rendering this phone's answer at once (about
    /// 1.5 ms of CPU) made them wait for a core on a busy server: measured, the batch reached the waiting browser's
    /// WebSocket 1.2 ms after the render instead of 5.4 ms (p50, 2 cores at load 12–21). Each yield puts the rest of
    /// this request at the back of the pool's queue, behind one hop; the phone's answer starts 0.2–0.5 ms later (p50).
    /// </summary>
    internal const int PushHops = 2;

    private static async Task LetThePushGoFirstAsync()
    {
        for (var hop = 0; hop < PushHops; hop++)
        {
            await Task.Yield();
        }
    }

    private static bool IsApprovalPost(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>()?.Type == typeof(ApproveSignIn)
        // Only a request whose token passed; otherwise Blazor's endpoint answers its 400 and nothing is decided.
        && context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true }
        && context.Request.HasFormContentType
        && context.Request.Form["_handler"] == FormName;

    private static async Task<ApprovalDecision> DecideAsync(HttpContext context, PostedAnswer posted)
    {
        var services = context.RequestServices;
        var qrLogin = services.GetRequiredService<QrLoginService>();
        var userId = services.GetRequiredService<UserManager<ApplicationUser>>().GetUserId(context.User)!;
        var ip = context.ClientIp();
        var userAgent = context.Request.Headers.UserAgent.ToString();
        // The page's two addresses: /qr/{Lsi} (scanned) and /qr/typed (the code comes in the form).
        var lsi = context.Request.RouteValues["Lsi"] as string;
        var typed = lsi is null;
        var ct = context.RequestAborted;
        try
        {
            // A number button is the approval when number matching is on.
            var decision = posted.Number is null ? posted.Decision : "approve";
            ApproverVerification? verified = null;
            if (decision == "approve" && await qrLogin.NeedsApproverPasskeyAsync(userId, ct))
            {
                // Checked (and a refusal audited) before the engine is asked; the engine then insists on the fact.
                var verdict = await services.GetRequiredService<ApproverPasskeys>()
                    .VerifyAsync(context, userId, posted.PasskeyCeremony, posted.PasskeyCredentialJson, posted.PasskeyError);
                if (verdict.Verification is null)
                {
                    return new ApprovalDecision { PasskeyRefusal = verdict.Refusal, PasskeyError = posted.PasskeyError };
                }

                verified = verdict.Verification;
            }

            var outcome = (decision, typed) switch
            {
                ("approve", false) => await qrLogin.ApproveAsync(lsi, userId, posted.KeepSignedIn, ip, userAgent, pickedNumber: posted.Number, verified: verified, ct: ct),
                ("approve", true) => await qrLogin.ApproveByUserCodeAsync(posted.UserCode, userId, posted.KeepSignedIn, ip, userAgent, posted.Number, verified, ct),
                ("deny", false) => await qrLogin.DenyAsync(lsi, userId, ip, userAgent, ct),
                ("deny", true) => await qrLogin.DenyByUserCodeAsync(posted.UserCode, userId, ip, userAgent, ct),
                _ => AttemptResult.NotAvailable,
            };
            return new ApprovalDecision { Outcome = outcome is AttemptResult.NotAvailable or AttemptResult.PasskeyRequired ? null : outcome };
        }
        catch (QrAttemptsThrottledException ex)
        {
            return new ApprovalDecision { ThrottledFor = ex.RetryAfter };
        }
        catch (UserCodesDisabledException)
        {
            return new ApprovalDecision { UserCodesOff = true };
        }
    }

    /// <summary>
    /// The approval form's fields as the page posts them. A field sent more than once counts as not sent (a browser
    /// sends each once); a number or a flag that does not parse counts as not sent.
    /// </summary>
    internal sealed record PostedAnswer(string? Decision, bool KeepSignedIn, int? Number, string? UserCode,
        string? PasskeyCeremony, string? PasskeyCredentialJson, string? PasskeyError)
    {
        public static PostedAnswer Read(IFormCollection form) => new(
            One(form, "Decision"),
            bool.TryParse(One(form, "KeepSignedIn"), out var keep) && keep,
            int.TryParse(One(form, "Number"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null,
            One(form, "UserCode"),
            One(form, "PasskeyCeremony"),
            One(form, "PasskeyCredentialJson"),
            One(form, "PasskeyError"));

        private static string? One(IFormCollection form, string name) => form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
    }
}

internal static class ApprovalDecisionExtensions
{
    /// <summary>The phone's Approve/Deny decided before its page renders (<see cref="ApprovalDecision"/>); right after <c>UseAntiforgery</c>.</summary>
    public static IApplicationBuilder UseApprovalDecisions(this IApplicationBuilder app) => ApprovalDecision.Use(app);
}
