namespace QrLoginPortal.Data;

public static class Roles
{
    public const string Admin = "Admin";
}

public static class Policies
{
    public const string Admin = "Admin";
}
