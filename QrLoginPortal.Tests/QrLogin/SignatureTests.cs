using System.Reflection;

namespace QrLoginPortal.Tests.QrLogin;

public sealed class SignatureTests
{
    [Theory]
    [InlineData("QrLoginPortal.QrLogin")]
    [InlineData("QrLoginPortal.Badges")]
    [InlineData("QrLoginPortal.Sessions")]
    public void EveryEngineMethod_TakesItsCancellationTokenLast(string @namespace)
    {
        var misplaced = typeof(QrLoginPortal.QrLogin.QrLoginService).Assembly.GetTypes()
            .Where(t => t.Namespace == @namespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName && m.GetParameters() is { Length: > 0 } p
                        && Array.FindIndex(p, x => x.ParameterType == typeof(CancellationToken)) is var i && i >= 0 && i != p.Length - 1)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.Empty(misplaced);
    }
}
