using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ServerKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ServerKeys",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Use = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ActiveFrom = table.Column<long>(type: "bigint", nullable: false),
                    RetiresAt = table.Column<long>(type: "bigint", nullable: false),
                    ProtectedKey = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServerKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ServerKeys_Use_ActiveFrom",
                table: "ServerKeys",
                columns: new[] { "Use", "ActiveFrom" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ServerKeys");
        }
    }
}
