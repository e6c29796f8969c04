using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class InsecureIdBadges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "InsecureIdBadges",
                table: "BadgePolicies",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "InsecureIdBadges",
                table: "BadgePolicies");
        }
    }
}
