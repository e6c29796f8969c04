using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>A PostgreSQL notification channel a node listens on, and what it does with what it hears.</summary>
public interface IPostgresChannel
{
    /// <summary>The channel name (a plain identifier: it is written into <c>LISTEN</c>).</summary>
    string Channel { get; }

    /// <summary>A notification arrived. Called on the listening connection's thread: start the work, do not wait for it.</summary>
    void OnNotification(string payload);

    /// <summary>
    /// The node was not listening from <paramref name="since"/> until now (start-up, or a lost connection):
    /// re-read whatever this node's waiters wait on. Called once listening again, so nothing falls in between.
    /// </summary>
    Task OnListeningAgainAsync(DateTimeOffset since, CancellationToken ct);
}

/// <summary>How the listening connection comes back after it is lost.</summary>
public sealed class PostgresListenerOptions
{
    public const string Section = "Database:Listener";

    /// <summary>The first wait before reconnecting; doubled after every failed attempt.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The one listening connection of a node on a PostgreSQL database (beside <see cref="KeyedNotifier{TKey, TMessage}"/>,
/// the portal's push, which both notifiers share): <c>LISTEN</c>s on every
/// <see cref="IPostgresChannel"/> and hands each notification to it. A lost connection is reopened
/// with a doubling wait, and each channel then re-reads what it may have missed.
/// </summary>
public sealed class PostgresListener(
    IConfiguration configuration,
    IEnumerable<IPostgresChannel> channels,
    IOptions<PostgresListenerOptions> options,
    TimeProvider clock,
    ILogger<PostgresListener> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<int> _listening = NewSignal<int>();
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes, with the listening connection's server process id, once the node listens (again).</summary>
    public Task<int> Listening
    {
        get
        {
            lock (_gate)
            {
                return _listening.Task;
            }
        }
    }

    /// <summary>Completes when the current listening connection is lost.</summary>
    public Task Lost
    {
        get
        {
            lock (_gate)
            {
                return _lost.Task;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("DefaultConnection"))
        {
            // Its own physical connection: a pooled one would be shared and reset; keepalives notice a dead peer.
            Pooling = false,
            KeepAlive = 15,
            ApplicationName = "qrlogin-listener",
        };
        var since = clock.GetUtcNow();
        var delay = options.Value.ReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                var byName = channels.ToDictionary(c => c.Channel, StringComparer.Ordinal);
                connection.Notification += (_, e) =>
                {
                    if (byName.TryGetValue(e.Channel, out var channel))
                    {
                        channel.OnNotification(e.Payload);
                    }
                };
                await using (var listen = new NpgsqlCommand(string.Concat(byName.Keys.Select(c => $"LISTEN \"{c}\";")), connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Listening before re-reading: a change committed from here on is heard, one before it is read.
                foreach (var channel in byName.Values)
                {
                    await channel.OnListeningAgainAsync(since, stoppingToken);
                }

                delay = options.Value.ReconnectDelay;
                lock (_gate)
                {
                    _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    _listening.TrySetResult(connection.ProcessID);
                }

                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Whatever commits from now until the next LISTEN is re-read then; a little slack for clocks of other nodes.
                since = clock.GetUtcNow() - TimeSpan.FromSeconds(5);
                logger.LogWarning(ex, "The PostgreSQL notification listener lost its connection; reconnecting in {Delay}", delay);
                var wait = Task.Delay(delay, clock, stoppingToken);
                lock (_gate)
                {
                    if (_listening.Task.IsCompleted)
                    {
                        _listening = NewSignal<int>();
                    }

                    _lost.TrySetResult();
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxReconnectDelay.Ticks));
                try
                {
                    await wait;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Registers the listener and its options, once (both notifiers call this).</summary>
    public static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PostgresListener)))
        {
            return;
        }

        services.AddOptions<PostgresListenerOptions>().BindConfiguration(PostgresListenerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresListener>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresListener>());
    }

    /// <summary><c>SELECT pg_notify(channel, payload)</c> in <paramref name="db"/>'s open transaction: delivered when it commits.</summary>
    public static Task NotifyAsync(ApplicationDbContext db, string channel, string payload, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_notify({channel}, {payload})", ct);
}
