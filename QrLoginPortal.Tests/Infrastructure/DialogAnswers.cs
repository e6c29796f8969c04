using AngleSharp.Dom;
using Bunit;
using MudBlazor;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>Answers the confirmation dialogs of a page rendered beside a <see cref="MudDialogProvider"/>.</summary>
public static class DialogAnswers
{
    /// <summary>
    /// Clicks a button that asks for confirmation, answers the dialog with <paramref name="answer"/>
    /// ("Cancel" or the confirm text) and returns what the dialog said.
    /// </summary>
    public static async Task<string> ClickAndAnswerAsync(this IRenderedComponent<MudDialogProvider> dialogs, IElement button, string answer)
    {
        // The click's handler awaits the dialog, so it finishes only after the answer.
        var click = button.ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll(".mud-dialog button")));
        var said = dialogs.Find(".mud-dialog").TextContent;
        await dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == answer).ClickAsync(new());
        await click;
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        return said;
    }
}
