using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class SessionSingleSignOn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SsoTokenExpiresAt",
                table: "UserSessions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SsoTokenHash",
                table: "UserSessions",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_UserSessions_SsoTokenHash",
                table: "UserSessions",
                column: "SsoTokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_UserSessions_SsoTokenHash",
                table: "UserSessions");

            migrationBuilder.DropColumn(
                name: "SsoTokenExpiresAt",
                table: "UserSessions");

            migrationBuilder.DropColumn(
                name: "SsoTokenHash",
                table: "UserSessions");
        }
    }
}
