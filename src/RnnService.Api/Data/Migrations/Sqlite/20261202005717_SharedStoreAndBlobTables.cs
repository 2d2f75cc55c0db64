using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SharedStoreAndBlobTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RequestHash",
                table: "TrainingJobs",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RescueCount",
                table: "TrainingJobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Worker",
                table: "TrainingJobs",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DatasetContents",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Content = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DatasetContents", x => x.Name);
                    table.ForeignKey(
                        name: "FK_DatasetContents_Datasets_Name",
                        column: x => x.Name,
                        principalTable: "Datasets",
                        principalColumn: "Name",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ModelWeights",
                columns: table => new
                {
                    ModelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Bytes = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelWeights", x => x.ModelId);
                    table.ForeignKey(
                        name: "FK_ModelWeights_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Hand-written: the blobs move to their own tables before their old columns go.
            migrationBuilder.Sql("INSERT INTO \"ModelWeights\" (\"ModelId\", \"Bytes\") SELECT \"Id\", \"Weights\" FROM \"Models\";");
            migrationBuilder.Sql("INSERT INTO \"DatasetContents\" (\"Name\", \"Content\") SELECT \"Name\", \"Content\" FROM \"Datasets\";");

            migrationBuilder.DropColumn(
                name: "Weights",
                table: "Models");

            migrationBuilder.DropColumn(
                name: "Content",
                table: "Datasets");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DatasetContents");

            migrationBuilder.DropTable(
                name: "ModelWeights");

            migrationBuilder.DropColumn(
                name: "RequestHash",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "RescueCount",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "Worker",
                table: "TrainingJobs");

            migrationBuilder.AddColumn<byte[]>(
                name: "Weights",
                table: "Models",
                type: "BLOB",
                nullable: false,
                defaultValue: new byte[0]);

            migrationBuilder.AddColumn<string>(
                name: "Content",
                table: "Datasets",
                type: "TEXT",
                nullable: false,
                defaultValue: "");
        }
    }
}
