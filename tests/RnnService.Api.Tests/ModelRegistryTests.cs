using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Tests;

/// <summary>Named models: versions per name, references (id, name, name@version, name@alias), aliases and their history.</summary>
public sealed class ModelRegistryTests
{
    private static async Task<JsonElement> TrainNamedAsync(HttpClient client, string name, int epochs = 2) =>
        await client.WaitForSuccessAsync((await client.TrainAsync(Jobs.Sentiment(epochs, name))).Id());

    private static async Task<JsonElement> ModelAsync(HttpClient client, string reference) =>
        await (await client.GetAsync($"/models/{Uri.EscapeDataString(reference)}")).OkJsonAsync();

    private static Task<HttpResponseMessage> SetAliasAsync(HttpClient client, string name, string alias, int version) =>
        client.PutAsync($"/models/{name}/aliases/{alias}", JsonContent(new { version }));

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task JobsOfOneNameMakeVersionsOneAndTwoAndABareNameMeansTheLatest()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = (await TrainNamedAsync(client, "toy")).Id("modelId");
        var second = (await TrainNamedAsync(client, "toy")).Id("modelId");
        var other = (await TrainNamedAsync(client, "other")).Id("modelId");

        Assert.Equal(1, (await ModelAsync(client, first.ToString())).GetProperty("version").GetInt32());
        Assert.Equal((second, 2), ((await ModelAsync(client, "toy")).Id(), (await ModelAsync(client, "toy")).GetProperty("version").GetInt32()));
        Assert.Equal(first, (await ModelAsync(client, "toy@1")).Id());
        Assert.Equal(second, (await ModelAsync(client, "toy@2")).Id());
        Assert.Equal((other, 1), ((await ModelAsync(client, "other")).Id(), (await ModelAsync(client, "other")).GetProperty("version").GetInt32()));

        // /predict takes the same references; modelId still works.
        var byName = await (await client.PostJsonAsync("/predict", new { model = "toy@1", text = "good" })).OkJsonAsync();
        var byId = await (await client.PostJsonAsync("/predict", new { modelId = first, text = "good" })).OkJsonAsync();
        Assert.Equal(first, byName.Id("modelId"));
        Assert.Equal(byId.GetProperty("predictions")[0].GetProperty("probability").GetDouble(),
            byName.GetProperty("predictions")[0].GetProperty("probability").GetDouble());
        var weights = await client.GetAsync("/models/toy@2/weights");
        Assert.Equal(HttpStatusCode.OK, weights.StatusCode);
        Assert.Equal("toy-v2.safetensors", weights.Content.Headers.ContentDisposition?.FileName);

        var listed = await (await client.GetAsync("/models?name=toy")).OkJsonAsync();
        Assert.Equal(new[] { 2, 1 }, listed.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("version").GetInt32()));
    }

    [Fact]
    public async Task TheDatabaseRefusesTwoModelsWithTheSameNameAndVersion()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await TrainNamedAsync(client, "toy");
        var second = (await TrainNamedAsync(client, "toy")).Id("modelId");

        await using var db = factory.OpenDatabase();
        await Assert.ThrowsAnyAsync<Exception>(() => db.Models.Where(m => m.Id == second).ExecuteUpdateAsync(s => s.SetProperty(m => m.Version, 1)));
        Assert.Equal(new int?[] { 1, 2 }, await db.Models.Where(m => m.Name == "toy").OrderBy(m => m.Version).Select(m => m.Version).ToListAsync());
    }

    [Fact]
    public async Task TheProductionAliasWinsOverTheLatestVersionAndEveryMoveIsInTheHistory()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = (await TrainNamedAsync(client, "toy")).Id("modelId");
        var second = (await TrainNamedAsync(client, "toy")).Id("modelId");

        var set = await (await SetAliasAsync(client, "toy", "production", 1)).OkJsonAsync();
        Assert.Equal((1, first), (set.GetProperty("version").GetInt32(), set.Id("modelId")));
        Assert.Equal(first, (await ModelAsync(client, "toy")).Id());
        Assert.Equal(first, (await (await client.PostJsonAsync("/predict", new { model = "toy", text = "good" })).OkJsonAsync()).Id("modelId"));
        Assert.Equal(["production"], (await ModelAsync(client, "toy@1")).GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));

        await (await SetAliasAsync(client, "toy", "champion", 2)).OkJsonAsync();
        Assert.Equal(second, (await ModelAsync(client, "toy@champion")).Id());
        await (await SetAliasAsync(client, "toy", "production", 2)).OkJsonAsync();
        Assert.Equal(second, (await ModelAsync(client, "toy")).Id());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/models/toy/aliases/production")).StatusCode);
        Assert.Equal(second, (await ModelAsync(client, "toy")).Id()); // the latest again

        var history = await (await client.GetAsync("/models/toy/history")).OkJsonAsync();
        Assert.Equal(new[] { (1, first), (2, second) },
            history.GetProperty("versions").EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.Id("modelId"))));
        Assert.Equal(new[] { "production→1", "champion→2", "production→2", "production→removed" },
            history.GetProperty("aliasChanges").EnumerateArray().Select(c =>
                $"{c.GetProperty("alias").GetString()}→{(c.GetProperty("version").ValueKind == JsonValueKind.Null ? "removed" : c.GetProperty("version").GetInt32().ToString())}"));
        var times = history.GetProperty("aliasChanges").EnumerateArray().Select(c => c.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(["champion"], history.GetProperty("aliases").EnumerateArray().Select(a => a.GetProperty("alias").GetString()));
    }

    [Fact]
    public async Task AVersionAnAliasPointsAtCannotBeDeletedUntilTheAliasMoves()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var first = (await TrainNamedAsync(client, "toy")).Id("modelId");
        await TrainNamedAsync(client, "toy");
        await (await SetAliasAsync(client, "toy", "production", 1)).OkJsonAsync();

        var refused = await (await client.DeleteAsync("/models/toy@1")).AssertProblemAsync(HttpStatusCode.Conflict, "reference");
        Assert.Contains("toy@production", refused.GetProperty("detail").GetString());
        await (await client.DeleteAsync($"/models/{first}")).AssertProblemAsync(HttpStatusCode.Conflict, "reference");
        Assert.Equal(first, (await ModelAsync(client, "toy@1")).Id());

        await (await SetAliasAsync(client, "toy", "production", 2)).OkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/models/toy@1")).StatusCode);
        await (await client.GetAsync("/models/toy@1")).AssertProblemAsync(HttpStatusCode.NotFound, "reference");
        // A deleted version's number is not given again.
        Assert.Equal(3, (await ModelAsync(client, (await TrainNamedAsync(client, "toy")).Id("modelId").ToString())).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task UnknownNamesVersionsAndAliasesAre404sNamingTheField()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await TrainNamedAsync(client, "toy", epochs: 1);

        var unknownName = await (await client.GetAsync("/models/nope")).AssertProblemAsync(HttpStatusCode.NotFound, "reference");
        Assert.Contains("nope", unknownName.GetProperty("detail").GetString());
        var unknownVersion = await (await client.GetAsync("/models/toy@9")).AssertProblemAsync(HttpStatusCode.NotFound, "reference");
        Assert.Contains("latest is 1", unknownVersion.GetProperty("detail").GetString());
        await (await client.GetAsync("/models/toy@champion/onnx")).AssertProblemAsync(HttpStatusCode.NotFound, "reference");
        await (await client.GetAsync("/models/toy@")).AssertProblemAsync(HttpStatusCode.BadRequest, "reference");
        await (await client.PostJsonAsync("/predict", new { model = "nope", text = "good" })).AssertProblemAsync(HttpStatusCode.NotFound, "model");
        await (await client.PostJsonAsync("/generate", new { model = "toy@2" })).AssertProblemAsync(HttpStatusCode.NotFound, "model");
        await (await client.PostJsonAsync("/predict", new { model = "toy", modelId = Guid.NewGuid(), text = "good" })).AssertProblemAsync(HttpStatusCode.BadRequest, "model");

        await (await SetAliasAsync(client, "nope", "production", 1)).AssertProblemAsync(HttpStatusCode.NotFound, "name");
        await (await SetAliasAsync(client, "toy", "production", 2)).AssertProblemAsync(HttpStatusCode.NotFound, "version");
        await (await SetAliasAsync(client, "toy", "2", 1)).AssertProblemAsync(HttpStatusCode.BadRequest, "alias");
        await (await client.PutAsync("/models/toy/aliases/production", JsonContent(new { }))).AssertProblemAsync(HttpStatusCode.BadRequest, "version");
        await (await client.DeleteAsync("/models/toy/aliases/production")).AssertProblemAsync(HttpStatusCode.NotFound, "alias");
        await (await client.DeleteAsync("/models/nope/aliases/production")).AssertProblemAsync(HttpStatusCode.NotFound, "name");
        await (await client.GetAsync("/models/nope/history")).AssertProblemAsync(HttpStatusCode.NotFound, "name");
    }

    [Theory]
    [InlineData("a@b")]
    [InlineData("a/b")]
    [InlineData(" padded")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    public async Task ANameThatCouldNotBeReferencedIsRejectedNamingTheName(string name)
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        await (await client.PostJsonAsync("/train", Jobs.Sentiment(1, name))).AssertProblemAsync(HttpStatusCode.BadRequest, "name");
    }
}
