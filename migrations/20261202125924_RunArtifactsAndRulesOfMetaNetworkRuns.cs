using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <summary>Replays become rows (artifacts); train runs with a meta-network are listed under meta-network:ID.</summary>
    public partial class RunArtifactsAndRulesOfMetaNetworkRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "artifacts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    team_id = table.Column<Guid>(type: "uuid", nullable: false),
                    storage_uri = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_artifacts", x => x.id);
                    table.ForeignKey(
                        name: "fk_artifacts_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_artifacts_run_id_kind",
                table: "artifacts",
                columns: new[] { "run_id", "kind" },
                unique: true);

            // Train runs used to keep their rule text (e.g. "disco103") when they trained with a meta-network checkpoint;
            // they are listed under what trained them, meta-network:ID, like every run submitted from now on.
            migrationBuilder.Sql("""
                UPDATE runs SET rule = 'meta-network:' || meta_network_checkpoint_id::text
                WHERE kind = 'train' AND meta_network_checkpoint_id IS NOT NULL AND rule NOT LIKE 'meta-network:%'
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "artifacts");
        }
    }
}
