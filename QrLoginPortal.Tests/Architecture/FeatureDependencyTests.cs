using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace QrLoginPortal.Tests.Architecture;

/// <summary>
/// Feature folders must not import each other in a circle (STYLE 14): a service sits beside the
/// pages or endpoints that own it, and what two features share moves down to where both can see it.
/// The dependencies are read from the compiled portal (signatures, attributes and every type,
/// method and field an IL instruction names), so a fully qualified name counts as much as a
/// <c>using</c>.
/// </summary>
public sealed class FeatureDependencyTests
{
    private static readonly Assembly Portal = typeof(global::QrLoginPortal.Data.ApplicationDbContext).Assembly;

    /// <summary>
    /// <c>Data/</c> is the database: the DbContext maps every feature's entities and every feature
    /// reads through it, so it is the floor, not a feature. What it may name of the features is
    /// checked by <see cref="Data_NamesOnlyTheEntitiesItMaps"/>.
    /// </summary>
    private const string DataFeature = "Data";

    [Fact]
    public void FeatureFolders_DoNotDependOnEachOtherInACircle()
    {
        var edges = FeatureEdges();
        var graph = edges.Keys
            .Where(e => e.From != DataFeature)
            .GroupBy(e => e.From)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToHashSet());

        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();

        var report = string.Join(Environment.NewLine, cycles.Select(cycle =>
            $"[{string.Join(", ", cycle.Order())}]:" + Environment.NewLine + string.Join(Environment.NewLine,
                edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To) && e.Key.From != DataFeature)
                    .OrderBy(e => e.Key.From).ThenBy(e => e.Key.To)
                    .Select(e => $"  {e.Key.From} -> {e.Key.To}: {string.Join("; ", e.Value.Order().Take(4))}"))));
        Assert.True(cycles.Count == 0, "Feature folders that depend on each other in a circle:" + Environment.NewLine + report);
    }

    [Fact]
    public void Data_NamesOnlyTheEntitiesItMaps()
    {
        // The DbContext's own model says which feature types are entities (and what they own).
        var mapped = new HashSet<Type>();
        using (var database = new global::QrLoginPortal.Tests.Infrastructure.TestDatabase())
        using (var db = database.CreateDbContext())
        {
            foreach (var entity in db.Model.GetEntityTypes())
            {
                mapped.Add(entity.ClrType);
                foreach (var property in entity.GetProperties())
                {
                    mapped.Add(Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType);
                }
            }
        }

        var strays = FeatureEdges()
            .Where(e => e.Key.From == DataFeature)
            .SelectMany(e => e.Value.Select(use => (e.Key.To, use)))
            // The DbContext and the configurations import the features whose entities they map.
            .Where(x => x.use.Contains(" -> ", StringComparison.Ordinal))
            .Where(x => !mapped.Any(m => x.use.EndsWith(" -> " + m.FullName, StringComparison.Ordinal)))
            .Select(x => x.use)
            .Order()
            .ToList();
        Assert.True(strays.Count == 0, "Data/ names feature types that are not entities it maps:" + Environment.NewLine + string.Join(Environment.NewLine, strays));
    }

    [Fact]
    public void Data_HoldsTheDatabaseOnly()
    {
        // The context, its entity configurations and interceptors, the user entity, the migrations
        // and what creates, registers and chooses them (the provider, each provider's migration set,
        // the start-up lock several nodes share); policies and options live with their features.
        string[] plumbing = ["DataExtensions", "DatabaseInitializer", "DatabaseProvider", "DatabaseProviders", "ProviderMigrationsAssembly", "StartUpLock"];
        var strays = Portal.GetTypes()
            .Where(t => !t.IsNested && !IsCompilerGenerated(t) && FeatureOf(t) == DataFeature
                        && !(t.Namespace ?? "").EndsWith(".Migrations", StringComparison.Ordinal)
                        && !(t.Namespace ?? "").EndsWith(".PostgresMigrations", StringComparison.Ordinal))
            .Where(t => !typeof(Microsoft.EntityFrameworkCore.DbContext).IsAssignableFrom(t)
                        && !typeof(Microsoft.AspNetCore.Identity.IdentityUser).IsAssignableFrom(t)
                        && !typeof(Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor).IsAssignableFrom(t)
                        && !t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<>))
                        && !plumbing.Contains(t.Name))
            .Select(t => t.FullName)
            .Order()
            .ToList();
        Assert.True(strays.Count == 0, "Data/ holds what is not the database: " + string.Join(", ", strays));
    }

    [Fact]
    public void EveryPortalType_LivesInAFeatureNamespace()
    {
        var strays = Portal.GetTypes()
            .Where(t => !t.IsNested && !IsCompilerGenerated(t) && t != typeof(Program) && FeatureOf(t) is null)
            .Select(t => t.FullName)
            .ToList();
        Assert.True(strays.Count == 0, "Types outside the QrLoginPortal namespaces escape the feature check: " + string.Join(", ", strays));
    }

    /// <summary>The feature a type belongs to (QrLoginPortal.X, the X folder; Components is one feature); null outside the portal's namespaces.</summary>
    private static string? FeatureOf(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        var ns = type.Namespace ?? "";
        // Razor's generated helpers (type inference) live under __Blazor.<the component's namespace>.
        if (ns.StartsWith("__Blazor.", StringComparison.Ordinal))
        {
            ns = ns["__Blazor.".Length..];
        }

        if (ns == "QrLoginPortal")
        {
            return "(root)";
        }

        if (!ns.StartsWith("QrLoginPortal.", StringComparison.Ordinal))
        {
            return null;
        }

        return FeatureOfNamespace(ns);
    }

    private static string FeatureOfNamespace(string ns) => ns == "QrLoginPortal" ? "(root)" : ns["QrLoginPortal.".Length..].Split('.')[0];

    private static bool IsCompilerGenerated(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), false) || type.Name.StartsWith('<')
        || type.Namespace is "Microsoft.CodeAnalysis" or "System.Runtime.CompilerServices" or "AspNetCoreGeneratedDocument"
            or "Microsoft.Extensions.Validation.Embedded";

    /// <summary>Every (from feature, to feature) pair with the type-level uses that make it, e.g. "Api.X -> Admin.Y".</summary>
    private static Dictionary<(string From, string To), HashSet<string>> FeatureEdges()
    {
        var edges = new Dictionary<(string, string), HashSet<string>>();
        foreach (var type in Portal.GetTypes())
        {
            if (FeatureOf(type) is not { } from)
            {
                continue;
            }

            foreach (var used in UsedTypes(type))
            {
                if (used.Assembly == Portal && FeatureOf(used) is { } to && to != from && to != "(root)")
                {
                    var key = (from, to);
                    if (!edges.TryGetValue(key, out var uses))
                    {
                        edges[key] = uses = [];
                    }

                    uses.Add($"{Outermost(type).FullName} -> {Outermost(used).FullName}");
                }
            }
        }

        // A constant (a role or policy name) leaves no trace in the compiled code: the imports say it.
        foreach (var (file, from, to) in SourceImports())
        {
            if (to != from && to != "(root)")
            {
                var key = (from, to);
                if (!edges.TryGetValue(key, out var uses))
                {
                    edges[key] = uses = [];
                }

                uses.Add($"{file} imports QrLoginPortal.{to}");
            }
        }

        return edges;
    }

    /// <summary>Every <c>using QrLoginPortal.X</c> / <c>@using QrLoginPortal.X</c> in the portal's sources, by the folder of the file.</summary>
    private static IEnumerable<(string File, string From, string To)> SourceImports()
    {
        var root = SourceRoot();
        foreach (var path in Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
                     .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) || p.EndsWith(".razor", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var folder = relative.Split('/');
            if (folder.Length < 2 || folder[0] is "bin" or "obj" or "Migrations")
            {
                continue;
            }

            if (folder[0] == DataFeature && folder[1] == "Migrations")
            {
                continue;
            }

            foreach (var line in File.ReadLines(path))
            {
                var match = System.Text.RegularExpressions.Regex.Match(line, @"^\s*@?using\s+(?:static\s+)?(QrLoginPortal(?:\.\w+)*)\s*;?\s*$");
                if (match.Success)
                {
                    yield return (relative, folder[0], FeatureOfNamespace(match.Groups[1].Value));
                }
            }
        }
    }

    /// <summary>The portal project's folder, found from the test binaries upward.</summary>
    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "QrLoginPortal", "QrLoginPortal.csproj");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate)!;
            }
        }

        throw new InvalidOperationException("The QrLoginPortal sources were not found above " + AppContext.BaseDirectory);
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
                                            | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (!found.Add(t) || !t.IsGenericType)
            {
                return;
            }

            foreach (var argument in t.GetGenericArguments())
            {
                Add(argument);
            }

            if (!t.IsGenericTypeDefinition)
            {
                Add(t.GetGenericTypeDefinition());
            }
        }

        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(n => n.TypedValue)))
                {
                    Add(argument.ArgumentType);
                    if (argument.Value is Type typeArgument)
                    {
                        Add(typeArgument);
                    }
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        AddAttributes(type.CustomAttributes);
        foreach (var field in type.GetFields(Everything))
        {
            Add(field.FieldType);
            AddAttributes(field.CustomAttributes);
        }

        foreach (var property in type.GetProperties(Everything))
        {
            Add(property.PropertyType);
            AddAttributes(property.CustomAttributes);
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            AddAttributes(method.CustomAttributes);
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
                AddAttributes(parameter.CustomAttributes);
            }

            foreach (var used in TypesNamedInBody(method))
            {
                Add(used);
            }
        }

        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Types named by the method's IL: the owner of each method or field it touches, and each type token.</summary>
    private static IEnumerable<Type> TypesNamedInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } owner ? owner.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var opCode = OpCodesByValue[value];
            var operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };

            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, position);
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    // A token into a generic context this method cannot name; its owner is still named elsewhere.
                }

                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case MethodBase m:
                        if (m.DeclaringType is { } declaring)
                        {
                            yield return declaring;
                        }

                        if (m is MethodInfo { IsGenericMethod: true } generic)
                        {
                            foreach (var argument in generic.GetGenericArguments())
                            {
                                yield return argument;
                            }
                        }

                        break;
                    case FieldInfo f:
                        if (f.DeclaringType is { } fieldOwner)
                        {
                            yield return fieldOwner;
                        }

                        break;
                }
            }

            position += operandSize;
        }
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();

        void Visit(string node)
        {
            indices[node] = low[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!indices.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], indices[next]);
                }
            }

            if (low[node] == indices[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                result.Add(component);
            }
        }

        foreach (var node in graph.Keys.Concat(graph.Values.SelectMany(v => v)).Distinct().Order().ToList())
        {
            if (!indices.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return result;
    }
}
