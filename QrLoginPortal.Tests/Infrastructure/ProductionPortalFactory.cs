namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// The portal as deployed: the Production environment over https on a real host name (HSTS leaves
/// localhost out), so cookie flags, HSTS and the transport rules are the ones users get. There is
/// no demo user outside Development: tests create their users.
/// </summary>
public sealed class ProductionPortalFactory : PortalFactory
{
    public ProductionPortalFactory() => EnvironmentName = "Production";

    protected override Uri BaseAddress => new("https://portal.example");
}
