using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class PasskeyApproval : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ApproverPasskey",
                table: "QrSettingsVersions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ApproverPasskey",
                table: "QrSettings",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ApproverPasskey",
                table: "QrSettingsVersions");

            migrationBuilder.DropColumn(
                name: "ApproverPasskey",
                table: "QrSettings");
        }
    }
}
