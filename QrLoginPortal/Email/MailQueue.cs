using System.Threading.Channels;

namespace QrLoginPortal.Email;

/// <summary>
/// Mail waits here and is sent in the background, so a slow or failing mail server never delays or
/// fails the sign-in, registration or admin action that asked for it. A message is composed when
/// its turn comes (it may need the database), then sent once; failures are logged, not retried.
/// </summary>
public sealed partial class MailQueue(ILogger<MailQueue> logger)
{
    /// <summary>Beyond this many waiting messages new ones are dropped (and logged): a flood must not eat the memory.</summary>
    public const int Capacity = 1_000;

    private readonly Channel<Func<CancellationToken, Task<EmailMessage?>>> _waiting =
        Channel.CreateBounded<Func<CancellationToken, Task<EmailMessage?>>>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

    public void Enqueue(EmailMessage message) => Enqueue(message.Kind, _ => Task.FromResult<EmailMessage?>(message));

    /// <summary>Queues a message composed later, in the background (null: nothing to send after all).</summary>
    public void Enqueue(string kind, Func<CancellationToken, Task<EmailMessage?>> compose)
    {
        if (!_waiting.Writer.TryWrite(compose))
        {
            LogDropped(kind, Capacity);
        }
    }

    internal IAsyncEnumerable<Func<CancellationToken, Task<EmailMessage?>>> ReadAllAsync(CancellationToken ct) => _waiting.Reader.ReadAllAsync(ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail queue is full ({Capacity} waiting): a '{Kind}' mail was dropped.")]
    private partial void LogDropped(string kind, int capacity);
}

/// <summary>Sends what <see cref="MailQueue"/> holds, one message at a time.</summary>
public sealed partial class MailDispatcher(MailQueue queue, MailTransport transport, Microsoft.Extensions.Options.IOptions<EmailOptions> options,
    ILogger<MailDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Mode == EmailMode.None)
        {
            LogNoSender();
        }

        await foreach (var compose in queue.ReadAllAsync(stoppingToken))
        {
            EmailMessage? message = null;
            try
            {
                message = await compose(stoppingToken);
                if (message is not null)
                {
                    await transport.SendAsync(message, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The type and message only: an SMTP answer names the server, never our password, and
                // the body (one-time links) is never logged. The recipient's domain helps find a bad route.
                LogFailed(message?.Kind ?? "unknown", DomainOf(message?.To), ex.GetType().Name, ex.Message);
            }
        }
    }

    private static string DomainOf(string? address) => address?.LastIndexOf('@') is int at and >= 0 ? address[(at + 1)..] : "?";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No mail sender is configured (Portal:Email:Mode is None): password links and sign-in notices are not mailed.")]
    private partial void LogNoSender();

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending a '{Kind}' mail to a recipient at {Domain} failed: {ErrorType}: {Error}")]
    private partial void LogFailed(string kind, string domain, string errorType, string error);
}
