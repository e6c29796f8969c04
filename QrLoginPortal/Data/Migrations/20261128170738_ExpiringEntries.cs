using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
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
                    Store = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Value = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Version = table.Column<Guid>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
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
