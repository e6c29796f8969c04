using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Accounts;

/// <summary>Runs once at start, after the database is ready: the Admin role, the first admin and the Development demo user.</summary>
public sealed class AccountSeeder(
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<AccountOptions> options,
    IHostEnvironment environment,
    AuditLog audit,
    ILogger<AccountSeeder> logger)
{
    public async Task SeedAsync()
    {
        if (!await roles.RoleExistsAsync(Roles.Admin))
        {
            await roles.CreateAsync(new IdentityRole(Roles.Admin));
        }

        await EnsureFirstAdminAsync();
        if (environment.IsDevelopment())
        {
            await EnsureDemoUserAsync();
        }
    }

    private async Task EnsureFirstAdminAsync()
    {
        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0)
        {
            return;
        }

        var seed = options.Value.Admin;
        var email = string.IsNullOrWhiteSpace(seed.Email) ? "admin@qrlogin.local" : seed.Email.Trim();
        var password = seed.Password;
        var generated = false;
        if (string.IsNullOrEmpty(password))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "No administrator exists yet. Set Portal:Admin:Email and Portal:Admin:Password (e.g. the environment variables Portal__Admin__Email and Portal__Admin__Password) for the first start.");
            }

            password = GeneratePassword();
            generated = true;
        }

        var admin = await users.FindByEmailAsync(email);
        if (admin is null)
        {
            admin = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            Check(await users.CreateAsync(admin, password), "create the first administrator");
        }
        else
        {
            Check(await users.RemovePasswordAsync(admin), "reset the first administrator's password");
            Check(await users.AddPasswordAsync(admin, password), "reset the first administrator's password");
        }

        Check(await users.AddToRoleAsync(admin, Roles.Admin), "make the first user an administrator");
        if (generated)
        {
            // Made up here and printed on the console: the person chooses their own at first sign-in
            // (Components/Account/ChoosePasswordGate keeps them on that page until they have).
            Check(await users.AddClaimAsync(admin, new(ApplicationUser.MustChoosePasswordClaim, "true")), "ask the first administrator to choose a password");
        }

        await audit.WriteAsync(AuditTypes.UserCreate, AuditOutcomes.Success, subject: admin.Id, details: "first administrator");

        if (generated)
        {
            // Written to the console once, deliberately not to the log: it is a secret.
            Console.WriteLine();
            Console.WriteLine("=== QrLoginPortal: first administrator created ===");
            Console.WriteLine($"    email:    {email}");
            Console.WriteLine($"    password: {password}");
            Console.WriteLine("    (shown only now; set Portal:Admin:Password to choose it yourself)");
            Console.WriteLine();
        }
        else
        {
            logger.LogInformation("Created the first administrator {Email} from configuration", email);
        }
    }

    private async Task EnsureDemoUserAsync()
    {
        var seed = options.Value.DemoUser;
        if (string.IsNullOrWhiteSpace(seed.Email) || string.IsNullOrEmpty(seed.Password)
            || await users.FindByEmailAsync(seed.Email) is not null)
        {
            return;
        }

        var demo = new ApplicationUser { UserName = seed.Email, Email = seed.Email, EmailConfirmed = true };
        Check(await users.CreateAsync(demo, seed.Password), "create the demo user");
        logger.LogInformation("Created the Development demo user {Email}", seed.Email);
    }

    private static string GeneratePassword() =>
        Secrets.Generate(QrLoginDefaults.UnambiguousCharset, 8) + "-" + Secrets.Generate("abcdefghjkmnpqrstuvwxyz", 8) + "-7";

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
