using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class AdminConsole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DisplayName",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "QrSettingsVersions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ChangedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ChangedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    ChangedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LsiCharset = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    LsiLength = table.Column<int>(type: "INTEGER", nullable: false),
                    DsiCharset = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    DsiLength = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpirySeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QrSettingsVersions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_QrSettingsVersions_ChangedAt",
                table: "QrSettingsVersions",
                column: "ChangedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QrSettingsVersions");

            migrationBuilder.DropColumn(
                name: "DisplayName",
                table: "AspNetUsers");
        }
    }
}
