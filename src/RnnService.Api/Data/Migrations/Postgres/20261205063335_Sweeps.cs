using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Sweeps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "PauseAtEpoch",
                table: "TrainingJobs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SweepId",
                table: "TrainingJobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Sweeps",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Task = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Architecture = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Dataset = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    HyperparametersJson = table.Column<string>(type: "text", nullable: false),
                    SpaceJson = table.Column<string>(type: "text", nullable: false),
                    Strategy = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Seed = table.Column<int>(type: "integer", nullable: false),
                    Objective = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Scheduler = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    MinEpochs = table.Column<int>(type: "integer", nullable: false),
                    MaxEpochs = table.Column<int>(type: "integer", nullable: false),
                    Eta = table.Column<int>(type: "integer", nullable: false),
                    MaxTrials = table.Column<int>(type: "integer", nullable: false),
                    MaxConcurrent = table.Column<int>(type: "integer", nullable: false),
                    MaxSeconds = table.Column<int>(type: "integer", nullable: false),
                    Alias = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RequestHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SpaceExhausted = table.Column<bool>(type: "boolean", nullable: false),
                    ModelId = table.Column<Guid>(type: "uuid", nullable: true),
                    ModelVersion = table.Column<int>(type: "integer", nullable: true),
                    BestTrial = table.Column<int>(type: "integer", nullable: true),
                    Error = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sweeps", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SweepTrials",
                columns: table => new
                {
                    SweepId = table.Column<Guid>(type: "uuid", nullable: false),
                    Index = table.Column<int>(type: "integer", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    Architecture = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PointJson = table.Column<string>(type: "text", nullable: false),
                    RungMetricsJson = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SweepTrials", x => new { x.SweepId, x.Index });
                    table.ForeignKey(
                        name: "FK_SweepTrials_Sweeps_SweepId",
                        column: x => x.SweepId,
                        principalTable: "Sweeps",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_SweepId",
                table: "TrainingJobs",
                column: "SweepId");

            migrationBuilder.CreateIndex(
                name: "IX_SweepTrials_JobId",
                table: "SweepTrials",
                column: "JobId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Sweeps_CreatedAt",
                table: "Sweeps",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Sweeps_IdempotencyKey",
                table: "Sweeps",
                column: "IdempotencyKey",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_TrainingJobs_Sweeps_SweepId",
                table: "TrainingJobs",
                column: "SweepId",
                principalTable: "Sweeps",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_TrainingJobs_Sweeps_SweepId",
                table: "TrainingJobs");

            migrationBuilder.DropTable(
                name: "SweepTrials");

            migrationBuilder.DropTable(
                name: "Sweeps");

            migrationBuilder.DropIndex(
                name: "IX_TrainingJobs_SweepId",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "PauseAtEpoch",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "SweepId",
                table: "TrainingJobs");
        }
    }
}
