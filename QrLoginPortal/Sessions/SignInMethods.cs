namespace QrLoginPortal.Sessions;

/// <summary>
/// Sessions store how the person signed in as a short code ("qr", "pwd", …, see <see cref="UserSession.Method"/>);
/// every screen shows it through this one mapping so admins and users read the same words.
/// </summary>
public static class SignInMethods
{
    public static string Describe(string? method) => method switch
    {
        "qr" => "QR code",
        "qr-api" => "QR code, through an app (API)",
        "badge" => "badge",
        "pwd+badge" => "password and badge",
        "badge-api" => "badge or password, through an app (API)",
        "pwd" => "password",
        "passkey" or "pk" => "passkey",
        null or "" => "unknown",
        _ => method,
    };
}
