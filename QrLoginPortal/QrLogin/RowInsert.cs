using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// A plain INSERT of whole rows of <typeparamref name="T"/>, made once per model and row count from EF Core's own
/// mapping (table and column names, value converters, provider types) and run through EF Core's command pipeline
/// (interceptors and logging see it). It skips the change tracker and the update pipeline, which build the same
/// INSERT anew for every save: on a transaction create that was about half of the CPU (issue 16). Nothing is read
/// back (a key the database gives stays unset on the object) and nothing tracks the rows afterwards.
/// </summary>
internal sealed class RowInsert<T> where T : class
{
    /// <summary>Most rows in one statement (SQLite allows 32,766 parameters, PostgreSQL 65,535).</summary>
    public const int MaxRows = 64;

    private static readonly ConditionalWeakTable<IModel, RowInsert<T>> ByModel = [];

    private readonly Column[] _columns;
    private readonly IRelationalCommand?[] _commands = new IRelationalCommand?[MaxRows + 1];
    private readonly string[][] _parameterNames;
    private readonly Func<IRelationalCommand>[] _build;

    private RowInsert(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _columns = entity.GetProperties()
            // A number key is the database's to give (an audit row's); a GUID key is set by the caller.
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && (p.ClrType == typeof(long) || p.ClrType == typeof(int))))
            .Select(p => new Column(p.GetColumnName(table)!, p.GetRelationalTypeMapping(), p.GetGetter(), p.IsNullable))
            .ToArray();
        var sql = db.GetService<ISqlGenerationHelper>();
        var builders = db.GetService<IRelationalCommandBuilderFactory>();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", _columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ";
        _parameterNames = Enumerable.Range(0, MaxRows)
            .Select(row => Enumerable.Range(0, _columns.Length).Select(column => $"r{row}c{column}").ToArray())
            .ToArray();
        _build = Enumerable.Range(0, MaxRows + 1).Select(rows => (Func<IRelationalCommand>)(() =>
        {
            var builder = builders.Create();
            var text = new StringBuilder(head);
            for (var row = 0; row < rows; row++)
            {
                text.Append(row == 0 ? "(" : ", (");
                for (var column = 0; column < _columns.Length; column++)
                {
                    var name = _parameterNames[row][column];
                    text.Append(column == 0 ? "" : ", ").Append(sql.GenerateParameterNamePlaceholder(name));
                    builder.AddParameter(name, sql.GenerateParameterName(name), _columns[column].Mapping, _columns[column].Nullable);
                }

                text.Append(')');
            }

            return builder.Append(text.Append(';').ToString()).Build();
        })).ToArray();
    }

    /// <summary>The INSERT of <typeparamref name="T"/> for <paramref name="db"/>'s model.</summary>
    public static RowInsert<T> For(DbContext db) => ByModel.GetValue(db.Model, _ => new RowInsert<T>(db));

    /// <summary>Inserts <paramref name="rows"/> on <paramref name="db"/>'s connection, in its current transaction.</summary>
    public async Task InsertAsync(DbContext db, IReadOnlyList<T> rows, CancellationToken ct)
    {
        var connection = db.GetService<IRelationalConnection>();
        var logger = db.GetService<IRelationalCommandDiagnosticsLogger>();
        for (var start = 0; start < rows.Count; start += MaxRows)
        {
            var count = Math.Min(MaxRows, rows.Count - start);
            var command = _commands[count] ??= _build[count]();
            var values = new Dictionary<string, object?>(count * _columns.Length);
            for (var row = 0; row < count; row++)
            {
                for (var column = 0; column < _columns.Length; column++)
                {
                    values[_parameterNames[row][column]] = _columns[column].Getter.GetClrValue(rows[start + row]);
                }
            }

            await command.ExecuteNonQueryAsync(new RelationalCommandParameterObject(connection, values, null, db, logger), ct);
        }
    }

    private sealed record Column(string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter, bool Nullable);
}
