using RnnService.Api;
using RnnService.Api.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddRnnConfiguration();
builder.Services.AddRnnServices(builder.Configuration);

var app = builder.Build();
app.MigrateDatabase();
app.UseRnnPipeline();
app.MapRnnEndpoints();
app.Run();

public partial class Program;
