using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class LimitCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LimitCounters",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    WindowEndUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LimitCounters", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LimitCounters_WindowEndUnixMs",
                table: "LimitCounters",
                column: "WindowEndUnixMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LimitCounters");
        }
    }
}
