using System.Text.RegularExpressions;

namespace QrLoginPortal.Tests.Architecture;

/// <summary>
/// A security rule lives in one method that every path calls (STYLE 12): a copy that drifts is a
/// bypass. Each test names the rule, its one home, and the shape a copy of it takes in the source.
/// </summary>
public sealed class OneDefinitionTests
{
    [Fact]
    public void LockedOut_IsDecidedOnlyByApplicationUser()
    {
        // u.LockoutEnd compared with anything is the lockout rule written out again.
        AssertOnlyIn(@"\.LockoutEnd\s*(==|!=|<=|>=|<|>)", "Data/ApplicationUser.cs");
    }

    [Fact]
    public void WhoIsAnAdministrator_IsDecidedOnlyByRoles()
    {
        // Matching the Admin role's normalized name in a query is the admin rule written out again.
        AssertOnlyIn(@"Roles\.Admin\.ToUpperInvariant\(\)|NormalizedName\s*==\s*adminRole", "Accounts/Roles.cs");
    }

    [Fact]
    public void AdminPages_DoNotCallTheGuardThemselves()
    {
        // Every admin action goes through a service that asks AdminGuard (and audits a refusal).
        AssertOnlyIn(@"@inject\s+AdminGuard\b", [], "*.razor");
    }

    [Fact]
    public void TheClientAddress_IsReadOnlyByClientAddress()
    {
        AssertOnlyIn(@"Connection\.RemoteIpAddress", "ClientAddresses.cs");
    }

    [Fact]
    public void AFormIsReadOnlyByTheFormHelper()
    {
        // RequestLimits reads every form first, to answer a malformed or oversized one with 400 or 413.
        AssertOnlyIn(@"\.ReadFormAsync\(", "SignIn/Forms.cs", "Api/RequestLimits.cs");
    }

    [Fact]
    public void ASignIn_IsDecidedOnlyByPortalSignIn()
    {
        // A password or passkey checked, a badge presented, a failed count raised: the sign-in page, the badge page
        // and the authn API each did this themselves, and a copy that forgets the lockout or the badge step is a bypass.
        AssertOnlyIn(@"\.(PasswordSignInAsync|CheckPasswordSignInAsync|PasskeySignInAsync|AccessFailedAsync|FindIdBadgeHolderAsync|IsSecondStepRequiredAsync)\(|[Cc]heck\.CheckAsync\(",
            "SignIn/PortalSignIn.cs", "Badges/BadgeService.cs", "Badges/BadgeSignInCheck.cs");
    }

    [Fact]
    public void CountsAreWordedByPlural_NeverWithParenthesisedEndings()
    {
        // "3 transaction(s) cancelled" in an audit detail or a page: Plural.Of says "1 transaction", "3 transactions".
        AssertOnlyIn(@"\$""[^""]*\{[^}]+\}[^""]*\w\(s\)", "Plural.cs");
    }

    private static void AssertOnlyIn(string pattern, params string[] homes) => AssertOnlyIn(pattern, homes, "*.*");

    private static void AssertOnlyIn(string pattern, string[] homes, string files)
    {
        var root = SourceRoot();
        var copies = Directory.EnumerateFiles(root, files, SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) || p.EndsWith(".razor", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith("bin/", StringComparison.Ordinal) && !p.StartsWith("obj/", StringComparison.Ordinal)
                        && !homes.Contains(p))
            .SelectMany(p => File.ReadLines(Path.Combine(root, p))
                .Select((line, i) => (p, i, line))
                .Where(x => Regex.IsMatch(x.line, pattern)))
            .Select(x => $"{x.p}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(copies.Count == 0,
            $"Written out again outside {(homes.Length == 0 ? "(nowhere allowed)" : string.Join(", ", homes))}:{Environment.NewLine}{string.Join(Environment.NewLine, copies)}");
    }

    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "QrLoginPortal", "QrLoginPortal.csproj");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate)!;
            }
        }

        throw new InvalidOperationException("The QrLoginPortal sources were not found above " + AppContext.BaseDirectory);
    }
}
