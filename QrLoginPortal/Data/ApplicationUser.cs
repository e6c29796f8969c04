using Microsoft.AspNetCore.Identity;

namespace QrLoginPortal.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>The name shown to administrators and on badges; the email when empty.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(128)]
    public string? DisplayName { get; set; }
}

