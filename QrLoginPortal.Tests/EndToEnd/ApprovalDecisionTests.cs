using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Components.Layout;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>
/// Issue 16: the phone's Approve is decided, and the waiting browser told, before the approval page begins to
/// render. Blazor renders the whole layout (theme, app bar, the admin link's policy) before a page's own
/// OnInitializedAsync, so a decision taken there reached the waiting browser only after all of it.
/// </summary>
public sealed class ApprovalDecisionTests(ApprovalDecisionTests.LayoutWatchingPortal portal) : IClassFixture<ApprovalDecisionTests.LayoutWatchingPortal>
{
    [Theory]
    [InlineData("approve", QrTransactionState.Success)]
    [InlineData("deny", QrTransactionState.Failed)]
    public async Task TheWaitingBrowser_IsTold_BeforeTheApprovalPageRendersItsLayout(string decision, QrTransactionState told)
    {
        using var waiting = await WaitingCodeAsync();
        var (created, phone, page) = (waiting.Created, waiting.Phone, waiting.Page);

        var answer = await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = decision });

        Assert.Contains(decision == "approve" ? "Approved" : "Sign-in denied", await answer.Content.ReadAsStringAsync());
        var events = portal.Events.Snapshot();
        var pushed = events.IndexOf($"push {told}");
        var layout = events.IndexOf($"render {nameof(MainLayout)}");
        Assert.True(pushed >= 0 && layout >= 0, string.Join(", ", events));
        Assert.True(pushed < layout, $"told after the layout began to render: {string.Join(", ", events)}");
    }

    [Fact]
    public async Task ThePhonesAnswer_IsRenderedOnlyAfterThePushsQueuedSendsHadTheirTurn()
    {
        using var waiting = await WaitingCodeAsync();
        var (created, phone, page) = (waiting.Created, waiting.Phone, waiting.Page);

        await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });

        // The waiting page's batch leaves through queued work items (SignalR's send loop, Kestrel's socket writer): the
        // rest of the phone's request must go back to the queue behind them, once per hop, before its answer renders.
        var events = portal.Events.Snapshot();
        var pushed = events.IndexOf($"push {QrTransactionState.Success}");
        var layout = events.IndexOf($"render {nameof(MainLayout)}");
        Assert.True(pushed >= 0 && layout > pushed, string.Join(", ", events));
        Assert.True(events[pushed..layout].Count(e => e == RequeueingContext.Requeued) >= QrLoginPortal.Components.QrLogin.ApprovalDecision.PushHops,
            string.Join(", ", events));
    }

    /// <summary>A browser waiting on a code, a signed-in phone on its approval page, and the code's pushes recorded from now.</summary>
    private async Task<WaitingCode> WaitingCodeAsync()
    {
        var opened = await portal.OpenApprovalPageAsync();
        var pushes = portal.Notifier.Subscribe(opened.Created.Id, change =>
        {
            portal.Events.Add($"push {change.State}");
            return Task.CompletedTask;
        });
        portal.Events.Clear();
        return new WaitingCode(opened.Created, opened.Phone, opened.Page, [pushes, opened]);
    }

    private sealed record WaitingCode(NewQrTransaction Created, PortalFactory.BrowserClient Phone, string Page, IDisposable[] Owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var owned in Owned)
            {
                owned.Dispose();
            }
        }
    }

    /// <summary>The portal, recording when Blazor creates the layout component of a page it renders.</summary>
    public sealed class LayoutWatchingPortal : PortalFactory
    {
        public EventLog Events { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
            {
                services.AddSingleton<IComponentActivator>(new RecordingActivator(Events));
                services.AddTransient<IStartupFilter>(_ => new RequeueingContext.Filter(Events));
            });
        }
    }

    public sealed class EventLog
    {
        private readonly List<string> _events = [];

        public void Add(string name)
        {
            lock (_events)
            {
                _events.Add(name);
            }
        }

        public void Clear()
        {
            lock (_events)
            {
                _events.Clear();
            }
        }

        public List<string> Snapshot()
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>
    /// Runs an approval request under a synchronization context that records each continuation handed back to the
    /// thread pool (a yield, an await that did not complete at once) and then queues it there, as the pool would.
    /// </summary>
    private sealed class RequeueingContext(EventLog events) : SynchronizationContext
    {
        public const string Requeued = "requeued";

        public override void Post(SendOrPostCallback callback, object? state)
        {
            events.Add(Requeued);
            ThreadPool.UnsafeQueueUserWorkItem<object?>(_ =>
            {
                var previous = Current;
                SetSynchronizationContext(this);
                try
                {
                    callback(state);
                }
                finally
                {
                    SetSynchronizationContext(previous);
                }
            }, null, preferLocal: false);
        }

        public override SynchronizationContext CreateCopy() => this;

        public sealed class Filter(EventLog events) : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use(async (context, nextStep) =>
                {
                    if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/qr"))
                    {
                        SetSynchronizationContext(new RequeueingContext(events));
                    }

                    await nextStep(context);
                });
                next(app);
            };
        }
    }

    private sealed class RecordingActivator(EventLog events) : IComponentActivator
    {
        public IComponent CreateInstance(Type componentType)
        {
            if (componentType == typeof(MainLayout))
            {
                events.Add($"render {componentType.Name}");
            }

            return (IComponent)Activator.CreateInstance(componentType)!;
        }
    }
}
