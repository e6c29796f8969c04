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

/// <summary>
/// One hand-written statement over <typeparamref name="T"/>'s table (a compare-and-set UPDATE, a look-up), built once
/// per model from EF Core's mapping as <see cref="RowInsert{T}"/> is: table and column names quoted by the provider,
/// each parameter typed, converted and sized as the column it is compared with or stored in, and run through EF
/// Core's command pipeline (interceptors and logging see it). It skips what LINQ costs on every call (the expression
/// tree, parameter extraction, the compiled-query cache look-up): on an approval and a redemption that was most of
/// the CPU (issue 16). Only for statements whose text never changes; the values go in by parameter name.
/// </summary>
internal sealed class RowCommand<T> where T : class
{
    private readonly IRelationalCommand _command;
    private readonly RelationalTypeMapping[] _returned;

    private RowCommand(IRelationalCommand command, RelationalTypeMapping[] returned) => (_command, _returned) = (command, returned);

    /// <summary>Builds the statement <paramref name="text"/> writes with the names and parameters <see cref="RowSql"/> hands it.</summary>
    public static RowCommand<T> Build(DbContext db, Func<RowSql, string> text)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var sql = new RowSql(entity, db.GetService<ISqlGenerationHelper>(), db.GetService<IRelationalCommandBuilderFactory>().Create());
        var statement = text(sql);
        return new RowCommand<T>(sql.Builder.Append(statement).Build(), [.. sql.Returned]);
    }

    /// <summary>Runs the statement on <paramref name="db"/>'s connection (in its current transaction); returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(DbContext db, IReadOnlyDictionary<string, object?> values, CancellationToken ct)
    {
        var connection = db.GetService<IRelationalConnection>();
        var command = Rent(connection);
        try
        {
            return await command.ExecuteNonQueryAsync(Parameters(db, connection, values), ct);
        }
        finally
        {
            connection.ReturnCommand(command);
        }
    }

    /// <summary>
    /// Runs the statement and reads the one row it returns (a SELECT, or an UPDATE ... RETURNING) with
    /// <paramref name="read"/>; default when there is none.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than one row came back (as LINQ's SingleOrDefault).</exception>
    public async Task<TResult?> SingleOrDefaultAsync<TResult>(DbContext db, IReadOnlyDictionary<string, object?> values,
        Func<RowReader, TResult> read, CancellationToken ct)
    {
        var connection = db.GetService<IRelationalConnection>();
        var command = Rent(connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(Parameters(db, connection, values), ct);
            if (!await reader.ReadAsync(ct))
            {
                return default;
            }

            var result = read(new RowReader(reader.DbDataReader, _returned));
            if (await reader.ReadAsync(ct))
            {
                throw new InvalidOperationException("The statement returned more than one row.");
            }

            return result;
        }
        finally
        {
            connection.ReturnCommand(command);
        }
    }

    // A command keeps per-execution state (its reader), so the one built here is a template that each execution copies
    // into the connection's own command, as EF Core does with the commands of its query cache.
    private IRelationalCommand Rent(IRelationalConnection connection)
    {
        var command = connection.RentCommand();
        command.PopulateFrom(_command);
        return command;
    }

    private static RelationalCommandParameterObject Parameters(DbContext db, IRelationalConnection connection, IReadOnlyDictionary<string, object?> values) =>
        new(connection, values, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>());
}

/// <summary>What a <see cref="RowCommand{T}"/>'s text is written with: the provider's quoting and placeholders, from the model.</summary>
internal sealed class RowSql(IEntityType entity, ISqlGenerationHelper sql, IRelationalCommandBuilder builder)
{
    private readonly StoreObjectIdentifier _table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
    private readonly HashSet<string> _parameters = [];

    internal IRelationalCommandBuilder Builder => builder;
    internal List<RelationalTypeMapping> Returned { get; } = [];

    /// <summary>The table, quoted.</summary>
    public string Table => sql.DelimitIdentifier(_table.Name, _table.Schema);

    /// <summary>The column of <paramref name="property"/>, quoted.</summary>
    public string Column(string property) => sql.DelimitIdentifier(Property(property).GetColumnName(_table)!);

    /// <summary>
    /// The placeholder of the value named <paramref name="name"/>, typed as <paramref name="property"/>'s column (its
    /// converter, e.g. a DateTimeOffset stored as a number, applies); a name used again is the same parameter.
    /// </summary>
    public string Parameter(string name, string property)
    {
        if (_parameters.Add(name))
        {
            var column = Property(property);
            builder.AddParameter(name, sql.GenerateParameterName(name), column.GetRelationalTypeMapping(), column.IsNullable);
        }

        return sql.GenerateParameterNamePlaceholder(name);
    }

    /// <summary>A constant as <paramref name="property"/>'s column stores it (converted, quoted), as EF Core writes a constant of a LINQ query.</summary>
    public string Literal(string property, object value) => Property(property).GetRelationalTypeMapping().GenerateSqlLiteral(value);

    /// <summary>The columns of <paramref name="properties"/>, quoted and comma-separated, read back in this order by <see cref="RowReader"/>.</summary>
    public string Columns(params string[] properties)
    {
        Returned.AddRange(properties.Select(p => Property(p).GetRelationalTypeMapping()));
        return string.Join(", ", properties.Select(Column));
    }

    private IProperty Property(string name) =>
        entity.FindProperty(name) ?? throw new InvalidOperationException($"{entity.DisplayName()} has no property {name}.");
}

/// <summary>One row a <see cref="RowCommand{T}"/> returned, read back through each column's mapping (converters apply).</summary>
internal readonly struct RowReader(System.Data.Common.DbDataReader reader, RelationalTypeMapping[] mappings)
{
    /// <summary>The value of the <paramref name="ordinal"/>th column named by <see cref="RowSql.Columns"/>; default for NULL.</summary>
    public TValue? Get<TValue>(int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return default;
        }

        return mappings[ordinal].Converter is { } converter
            ? (TValue)converter.ConvertFromProvider(reader.GetValue(ordinal))!
            : reader.GetFieldValue<TValue>(ordinal);
    }

    /// <summary>As <see cref="Get{TValue}"/> for a nullable value type: null for NULL.</summary>
    public TValue? GetNullable<TValue>(int ordinal) where TValue : struct => reader.IsDBNull(ordinal) ? null : Get<TValue>(ordinal);
}
