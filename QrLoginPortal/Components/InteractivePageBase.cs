using Microsoft.AspNetCore.Components;

namespace QrLoginPortal.Components;

/// <summary>
/// An interactive page. Its HTML is first prerendered and shown before the page's circuit is up; a
/// click then does nothing, so the page renders its action buttons disabled until it runs interactively
/// (<c>Disabled="Inactive"</c>): a person sees they are not ready yet instead of clicking into nothing.
/// </summary>
public abstract class InteractivePageBase : ComponentBase
{
    /// <summary>True while the page is only prerendered HTML, whose buttons cannot act yet.</summary>
    protected bool Inactive => !RendererInfo.IsInteractive;
}
