using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <summary>
    /// API keys get a scope and an expiry. Keys made before could do everything and never expired: they keep the admin
    /// scope (what they could do) and expire 90 days after the upgrade (the default lifetime of a new key), so scripts
    /// keep working while their owners replace them.
    /// </summary>
    public partial class ApiKeyScopesAndExpiry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "expires_at",
                table: "api_keys",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<string>(
                name: "scope",
                table: "api_keys",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.Sql("UPDATE api_keys SET scope = 'admin', expires_at = now() + interval '90 days';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "expires_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "scope",
                table: "api_keys");
        }
    }
}
