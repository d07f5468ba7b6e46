using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <inheritdoc />
    public partial class RunRerunOf : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "rerun_of_id",
                table: "runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_runs_rerun_of_id",
                table: "runs",
                column: "rerun_of_id");

            migrationBuilder.AddForeignKey(
                name: "fk_runs_runs_rerun_of_id",
                table: "runs",
                column: "rerun_of_id",
                principalTable: "runs",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_runs_runs_rerun_of_id",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "ix_runs_rerun_of_id",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "rerun_of_id",
                table: "runs");
        }
    }
}
