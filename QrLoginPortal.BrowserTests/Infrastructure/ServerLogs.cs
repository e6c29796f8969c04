using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>
/// The portal's warnings and errors (category, text, exception), kept so a test can say that nothing
/// went wrong behind the page: a circuit's unhandled exception never shows in the browser.
/// </summary>
[ProviderAlias("ServerLogs")]
public sealed class ServerLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
