using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ExpiringEntries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ExpiringEntries",
                columns: table => new
                {
                    Store = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Value = table.Column<byte[]>(type: "bytea", nullable: false),
                    Version = table.Column<Guid>(type: "uuid", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExpiringEntries", x => new { x.Store, x.Key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ExpiringEntries_Store_ExpiresAt",
                table: "ExpiringEntries",
                columns: new[] { "Store", "ExpiresAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ExpiringEntries");
        }
    }
}
