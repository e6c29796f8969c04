namespace QrLoginPortal.Email;

/// <summary>
/// One mail to one person. <paramref name="Kind"/> names it in logs (never the body: bodies carry
/// one-time links).
/// </summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody, string Kind);
