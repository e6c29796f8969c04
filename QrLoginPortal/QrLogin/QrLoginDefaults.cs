namespace QrLoginPortal.QrLogin;

public static class QrLoginDefaults
{
    public const string ProfileId = "default";

    /// <summary>32 symbols without look-alikes (no I, O, 0, 1): easy to read out if a person ever has to type it.</summary>
    public const string UnambiguousCharset = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public const string Base62Charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static readonly TimeSpan TicketLifetime = TimeSpan.FromSeconds(30);
}
