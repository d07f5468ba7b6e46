using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <inheritdoc />
    public partial class MetricReadsCovered : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "metrics_version",
                table: "runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Metric reads become index-only scans: the key's index carries the point's value and wall time.
            migrationBuilder.Sql("""
                ALTER TABLE metric_points DROP CONSTRAINT pk_metric_points,
                    ADD CONSTRAINT pk_metric_points PRIMARY KEY (run_id, name, step) INCLUDE (value, wall_time);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE metric_points DROP CONSTRAINT pk_metric_points,
                    ADD CONSTRAINT pk_metric_points PRIMARY KEY (run_id, name, step);
                """);
            migrationBuilder.DropColumn(
                name: "metrics_version",
                table: "runs");
        }
    }
}
