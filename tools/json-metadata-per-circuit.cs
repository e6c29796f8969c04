#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
// What one Blazor Server circuit keeps for JSON (issue 16, heap per waiting page):
//   dotnet run tools/json-metadata-per-circuit.cs
// Each circuit's JS runtime has its own JsonSerializerOptions (its converters are bound to that runtime), so the
// type metadata System.Text.Json builds is kept once per circuit, not once per process. The renderer's first JS call
// (Blazor._internal.attachWebRendererInterop) passes the renderer's id, an int, in an object[]: for a boxed int
// System.Text.Json also builds metadata for each of int's ~30 interfaces (IComparable, INumber<int>, ...). This
// prints the heap each options instance keeps after one such call, as 1,000 circuits would.
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

Console.WriteLine($"object[] {{ \"text\" }}: {KeptPerOptions(() => "text")} B per options instance");
Console.WriteLine($"object[] {{ 1 }}:      {KeptPerOptions(() => 1)} B per options instance");
Console.WriteLine($"object[] {{ true }}:   {KeptPerOptions(() => true)} B per options instance");

static long KeptPerOptions(Func<object> argument)
{
    const int Count = 1000;
    var kept = new List<JsonSerializerOptions>(Count);
    var before = GC.GetTotalMemory(forceFullCollection: true);
    for (var i = 0; i < Count; i++)
    {
        // As JSRuntime makes its options: web defaults, a converter bound to this one runtime.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { MaxDepth = 32, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.Converters.Add(new BoundConverter(i));
        JsonSerializer.Serialize(new object[] { argument() }, options);
        kept.Add(options);
    }

    var after = GC.GetTotalMemory(forceFullCollection: true);
    GC.KeepAlive(kept);
    return (after - before) / Count;
}

/// <summary>Stands for the converters JSRuntime binds to itself (DotNetObjectReference, IJSObjectReference).</summary>
sealed class BoundConverter(int owner) : JsonConverter<BoundConverter>
{
    public override BoundConverter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => this;
    public override void Write(Utf8JsonWriter writer, BoundConverter value, JsonSerializerOptions options) => writer.WriteNumberValue(owner);
}
