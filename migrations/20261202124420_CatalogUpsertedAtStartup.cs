using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Migrations
{
    /// <summary>
    /// The suites and environments rows are no longer model seed data (HasData): the API upserts them from
    /// Platform.Data's EnvironmentCatalog at start. Only the model snapshot changes; the rows the earlier migrations
    /// inserted stay where they are (runs refer to them by foreign key), so Up and Down touch no data.
    /// </summary>
    public partial class CatalogUpsertedAtStartup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
