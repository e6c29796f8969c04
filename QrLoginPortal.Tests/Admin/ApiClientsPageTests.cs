using Bunit;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Api;

namespace QrLoginPortal.Tests.Admin;

public sealed class ApiClientsPageTests : AdminPageTestContext
{
    [Fact]
    public async Task Delete_AsksFirst_NamingWhatGoes_CancelKeepsTheClient_ConfirmDeletesIt()
    {
        var admin = Services.GetRequiredService<ApiClientAdmin>();
        var created = await admin.CreateAsync(await AdminAsync(), "Shop backend", [ApiEntitlements.AuthenticateAnyUser]);
        var cut = Render<ApiClientsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=clients]"));

        var said = await ClickAndAnswerAsync(cut.Find("button[data-testid=delete]"), "Cancel");

        Assert.Contains($"{created.ClientId} and its 1 entitlement will be removed", said);
        Assert.Single(await admin.ListAsync());
        Assert.Empty(cut.FindAll("[data-testid=message]"));

        await ClickAndAnswerAsync(cut.Find("button[data-testid=delete]"), "Delete");

        cut.WaitForAssertion(() => Assert.Contains("was deleted", cut.Find("[data-testid=message]").TextContent));
        Assert.Empty(await admin.ListAsync());
    }

    [Fact]
    public async Task ANewSecret_HasACopyButton_ThatCopiesIt_AndSaysCopied()
    {
        var module = JSInterop.SetupModule(CopyButton.ModulePath);
        var cut = Render<ApiClientsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=empty]"));
        await cut.Find("input[data-testid=name]").InputAsync(new() { Value = "Shop backend" });
        await cut.Find($"input[data-testid=ent-{ApiEntitlements.AuthenticateAnyUser}]").ChangeAsync(new() { Value = true });
        await cut.Find("button[data-testid=create]").ClickAsync(new());
        cut.WaitForAssertion(() => cut.Find("[data-testid=client-secret]"));
        var secret = cut.Find("[data-testid=client-secret]").TextContent;
        var copy = module.Setup<bool>("copy", secret);
        copy.SetResult(true);

        await cut.Find("button[data-testid=copy-secret]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Copied", cut.Find("[data-testid=copy-secret-status]").TextContent));
        Assert.Single(copy.Invocations);
    }
}
