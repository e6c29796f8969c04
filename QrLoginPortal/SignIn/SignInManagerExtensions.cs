using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

public static class SignInManagerExtensions
{
    /// <summary>Whether <paramref name="user"/> may get a session now: Identity's sign-in rules (a confirmed account) and not locked out.</summary>
    public static async Task<bool> CanSignInNowAsync(this SignInManager<ApplicationUser> signInManager, ApplicationUser user) =>
        await signInManager.CanSignInAsync(user) && !await signInManager.UserManager.IsLockedOutAsync(user);
}
