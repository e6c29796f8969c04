namespace QrLoginPortal.QrLogin;

/// <summary>
/// The seeds' technical names (lsi, dsi) stay on screen because the API and its documentation use them;
/// every admin page explains them with these same plain words.
/// </summary>
public static class QrTerms
{
    public const string LsiTitle = "Code in the QR (lsi, login session index)";

    public const string LsiExplained =
        "The one-time code the QR code carries to the phone. Whoever scans it may ask to approve this one sign-in " +
        "from a signed-in phone; the rate limits stop guessing, so it can be short.";

    public const string DsiTitle = "Browser's secret (dsi, device session index)";

    public const string DsiExplained =
        "The secret only the browser that showed the code holds; it collects the sign-in once approved. " +
        "Never in the QR code or an address, so it must be long enough that nobody can guess it.";

    public const string InOneLine =
        "lsi (login session index) is the one-time code inside the QR code; dsi (device session index) is the secret only the waiting browser holds.";
}
