using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RnnService.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ModelRegistry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "Models",
                type: "INTEGER",
                nullable: true);

            // Models named before versions existed become versions 1, 2, ... of their name, oldest first.
            migrationBuilder.Sql("""
                UPDATE "Models" SET "Version" = (SELECT COUNT(*) FROM "Models" AS "Older"
                    WHERE "Older"."Name" = "Models"."Name"
                      AND ("Older"."CreatedAt" < "Models"."CreatedAt" OR ("Older"."CreatedAt" = "Models"."CreatedAt" AND "Older"."Id" <= "Models"."Id")))
                WHERE "Name" IS NOT NULL;
                """);

            migrationBuilder.CreateTable(
                name: "ModelAliasChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Alias = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: true),
                    ModelId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelAliasChanges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ModelAliases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Alias = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ModelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelAliases", x => new { x.Name, x.Alias });
                    table.ForeignKey(
                        name: "FK_ModelAliases_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Models_Name_Version",
                table: "Models",
                columns: new[] { "Name", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ModelAliasChanges_Name_Id",
                table: "ModelAliasChanges",
                columns: new[] { "Name", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ModelAliases_ModelId",
                table: "ModelAliases",
                column: "ModelId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ModelAliasChanges");

            migrationBuilder.DropTable(
                name: "ModelAliases");

            migrationBuilder.DropIndex(
                name: "IX_Models_Name_Version",
                table: "Models");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Models");
        }
    }
}
