using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace QrLoginPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class PhoneCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Typed codes are on by default (QrSettings.UserCodeEnabled): existing settings and versions get them too.
            migrationBuilder.AddColumn<string>(
                name: "MatchChoices",
                table: "QrTransactions",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MatchNumber",
                table: "QrTransactions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "UserCodeHash",
                table: "QrTransactions",
                type: "BLOB",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "NumberMatching",
                table: "QrSettingsVersions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "UserCodeEnabled",
                table: "QrSettingsVersions",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<bool>(
                name: "NumberMatching",
                table: "QrSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "UserCodeEnabled",
                table: "QrSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.CreateIndex(
                name: "IX_QrTransactions_UserCodeHash",
                table: "QrTransactions",
                column: "UserCodeHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_QrTransactions_UserCodeHash",
                table: "QrTransactions");

            migrationBuilder.DropColumn(
                name: "MatchChoices",
                table: "QrTransactions");

            migrationBuilder.DropColumn(
                name: "MatchNumber",
                table: "QrTransactions");

            migrationBuilder.DropColumn(
                name: "UserCodeHash",
                table: "QrTransactions");

            migrationBuilder.DropColumn(
                name: "NumberMatching",
                table: "QrSettingsVersions");

            migrationBuilder.DropColumn(
                name: "UserCodeEnabled",
                table: "QrSettingsVersions");

            migrationBuilder.DropColumn(
                name: "NumberMatching",
                table: "QrSettings");

            migrationBuilder.DropColumn(
                name: "UserCodeEnabled",
                table: "QrSettings");
        }
    }
}
