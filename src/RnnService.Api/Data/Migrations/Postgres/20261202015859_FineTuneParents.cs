using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FineTuneParents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "InitFromModelId",
                table: "TrainingJobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ParentModelId",
                table: "Models",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "InitFromModelId",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "ParentModelId",
                table: "Models");
        }
    }
}
