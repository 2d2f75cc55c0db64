using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JobBestEpoch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "BestEpoch",
                table: "TrainingJobs",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BestEpoch",
                table: "TrainingJobs");
        }
    }
}
