using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <inheritdoc />
    public partial class Pipelines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "pipeline_id",
                table: "runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "pipelines",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    team_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_by_user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    definition = table.Column<string>(type: "jsonb", nullable: false),
                    stage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    meta_train_run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    selected_checkpoint_id = table.Column<Guid>(type: "uuid", nullable: true),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancel_requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pipelines", x => x.id);
                    table.ForeignKey(
                        name: "fk_pipelines_checkpoints_selected_checkpoint_id",
                        column: x => x.selected_checkpoint_id,
                        principalTable: "checkpoints",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_pipelines_teams_team_id",
                        column: x => x.team_id,
                        principalTable: "teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_runs_pipeline_id",
                table: "runs",
                column: "pipeline_id");

            migrationBuilder.CreateIndex(
                name: "ix_pipelines_selected_checkpoint_id",
                table: "pipelines",
                column: "selected_checkpoint_id");

            migrationBuilder.CreateIndex(
                name: "ix_pipelines_stage",
                table: "pipelines",
                column: "stage");

            migrationBuilder.CreateIndex(
                name: "ix_pipelines_team_id_created_at",
                table: "pipelines",
                columns: new[] { "team_id", "created_at" });

            migrationBuilder.AddForeignKey(
                name: "fk_runs_pipelines_pipeline_id",
                table: "runs",
                column: "pipeline_id",
                principalTable: "pipelines",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_runs_pipelines_pipeline_id",
                table: "runs");

            migrationBuilder.DropTable(
                name: "pipelines");

            migrationBuilder.DropIndex(
                name: "ix_runs_pipeline_id",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "pipeline_id",
                table: "runs");
        }
    }
}
