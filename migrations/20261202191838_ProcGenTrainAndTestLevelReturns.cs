using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <inheritdoc />
    public partial class ProcGenTrainAndTestLevelReturns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "final_return_test_levels",
                table: "runs",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "final_return_train_levels",
                table: "runs",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "final_return_test_levels",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "final_return_train_levels",
                table: "runs");
        }
    }
}
