using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReproducibilityRecord : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ReproducibilityJson",
                table: "Models",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ReproducibilityJson",
                table: "Models");
        }
    }
}
