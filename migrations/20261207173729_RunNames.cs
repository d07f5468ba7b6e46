using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <inheritdoc />
    public partial class RunNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "name",
                table: "runs",
                type: "character varying(80)",
                maxLength: 80,
                nullable: true);

            // Every run stored before names existed gets the name the API would have given it (RunNames.Stem: kind other than
            // train, environment(s), rule with a meta-network id shortened to its random tail, seed; characters a name may not
            // hold become '_'; 70 characters at most), numbered " #2", " #3"... in order of creation within the team, so the
            // unique index below holds.
            migrationBuilder.Sql("""
                WITH stems AS (
                    SELECT id, team_id, created_at, rtrim(left(regexp_replace(
                        (CASE kind WHEN 'evaluate' THEN 'eval ' WHEN 'meta-train' THEN 'meta-train ' WHEN 'inspect' THEN 'inspect ' ELSE '' END)
                        || environment_id
                        || CASE WHEN jsonb_typeof(spec->'envs') = 'array' AND jsonb_array_length(spec->'envs') > 1
                                THEN '+' || (jsonb_array_length(spec->'envs') - 1) ELSE '' END
                        || ' ' || CASE WHEN rule ~ ':[0-9a-fA-F-]{36}$'
                                       THEN split_part(rule, ':', 1) || '-' || right(replace(split_part(rule, ':', 2), '-', ''), 8)
                                       ELSE replace(rule, ':', '-') END
                        || ' s' || seed,
                        '[^A-Za-z0-9 _.:/#+()-]', '_', 'g'), 70)) AS stem
                    FROM runs),
                numbered AS (
                    SELECT id, stem, row_number() OVER (PARTITION BY team_id, stem ORDER BY created_at, id) AS n FROM stems)
                UPDATE runs SET name = CASE WHEN numbered.n = 1 THEN numbered.stem ELSE numbered.stem || ' #' || numbered.n END
                FROM numbered WHERE runs.id = numbered.id;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_runs_team_id_name",
                table: "runs",
                columns: new[] { "team_id", "name" },
                unique: true,
                filter: "name IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_runs_team_id_name",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "name",
                table: "runs");
        }
    }
}
