using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using RnnService.Api.Inference;
using RnnService.Engine.Models;
using RnnService.Engine.Tests.Models;

namespace RnnService.Api.Tests;

/// <summary>The checks an inference request passes before any work starts, driven directly (no host): the texts and their
/// limits, the steps it counts and the fields a refusal names, and the work budget at its edge.</summary>
public sealed class InferenceRequestChecksTests
{
    private static readonly LimitsOptions Limits = new() { MaxTextsPerRequest = 3, MaxTextLength = 5 };

    private static (string Field, string Message) Refusal(ValidationProblem? problem)
    {
        Assert.NotNull(problem);
        var (field, messages) = Assert.Single(problem.ProblemDetails.Errors);
        return (field, Assert.Single(messages));
    }

    [Fact]
    public void UpToMaxTextsPerRequestTextsAreReadAndOneMoreIsRefusedNamingTexts()
    {
        var (texts, field, problem) = InferenceApi.ReadTexts(null, ["a", "b", "c"], Limits);
        Assert.Null(problem);
        Assert.Equal(["a", "b", "c"], texts);
        Assert.Equal("texts", field);

        var refused = InferenceApi.ReadTexts(null, ["a", "b", "c", "d"], Limits);
        Assert.Empty(refused.Texts);
        Assert.Equal(("texts", "At most 3 texts per request (Limits:MaxTextsPerRequest)."), Refusal(refused.Problem));
    }

    [Fact]
    public void ATextOfExactlyMaxTextLengthIsReadAndOneCharacterMoreIsRefusedNamingThatText()
    {
        Assert.Null(InferenceApi.ReadTexts("12345", null, Limits).Problem);
        Assert.Null(InferenceApi.ReadTexts(null, ["1", "12345"], Limits).Problem);

        const string over = "At most 5 characters (Limits:MaxTextLength).";
        Assert.Equal(("text", over), Refusal(InferenceApi.ReadTexts("123456", null, Limits).Problem));
        Assert.Equal(("texts[1]", over), Refusal(InferenceApi.ReadTexts(null, ["1", "123456"], Limits).Problem));
    }

    [Theory]
    [InlineData(0, 1, new[] { "count", "maxLength" })]
    [InlineData(4, 1, new[] { "count", "maxLength", "prompt" })]
    [InlineData(0, 5, new[] { "count", "maxLength", "excludeTrainingSamples" })]
    [InlineData(4, 5, new[] { "count", "maxLength", "prompt", "excludeTrainingSamples" })]
    public void AGenerationNamesThePromptAndTheExclusionOnlyWhenTheyAddSteps(int promptLength, int candidates, string[] fields)
    {
        var steps = InferenceLimits.GenerateSteps(count: 2, promptLength, maxLength: 10, candidates);

        Assert.Equal(2L * (promptLength + 10) * candidates, steps.Steps);
        Assert.Equal(fields, steps.Fields);
        Assert.Equal(promptLength > 0, steps.Reduce.Contains("shorter prompt"));
        Assert.Equal(candidates > 1, steps.Reduce.Contains("leave out excludeTrainingSamples"));
    }

    [Fact]
    public void ExplainOnACharModelCountsOneStepPerCharacterAndNamesOnlyTheTexts()
    {
        // explain is for sentiment models (the handler refuses it on a char model after this count): no (words + 1) × words here.
        var steps = InferenceLimits.PredictSteps(["abcd", "ab"], "texts", SmallModels.ContinuousCharModel(defaultPrompt: null), explain: true);

        Assert.Equal(6, steps.Steps);
        Assert.Equal(["texts"], steps.Fields);
        Assert.Equal("2 texts of 6 characters in all = 6 steps", steps.Described);
    }

    [Fact]
    public void WorkOfExactlyMaxRequestWorkRunsAndOneStepMoreIsRefused()
    {
        RnnModel model = SmallModels.ContinuousCharModel(defaultPrompt: null);
        var options = new InferenceOptions { MaxRequestWork = 10 * model.MultiplyAddsPerStep };

        Assert.Null(InferenceLimits.CheckWork(InferenceLimits.PredictSteps(["abcdefghij"], "text", model, explain: false), model, options));
        var refused = InferenceLimits.CheckWork(InferenceLimits.PredictSteps(["abcdefghijk"], "text", model, explain: false), model, options);
        var (field, message) = Refusal(refused);
        Assert.Equal("text", field);
        Assert.Contains($"({11 * model.MultiplyAddsPerStep})", message);
    }

    [Theory]
    [InlineData("Inference:MaxGenerateCharacters")]
    [InlineData("Inference:MaxPredictCharacters")]
    public void EachRetiredCharacterBudgetStopsTheServiceNamingItself(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = "5000" }).Build();

        var refused = Assert.Throws<InvalidOperationException>(() => InferenceLimits.RefuseRetiredSettings(configuration));
        Assert.StartsWith($"{key} is no longer read", refused.Message);
        InferenceLimits.RefuseRetiredSettings(new ConfigurationBuilder().Build());
    }
}
