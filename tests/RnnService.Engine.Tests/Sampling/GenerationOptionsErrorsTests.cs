using RnnService.Engine.Sampling;

namespace RnnService.Engine.Tests.Sampling;

public class GenerationOptionsErrorsTests
{
    public static TheoryData<string, GenerationOptions> BadOptions => new()
    {
        { "MaxLength", new GenerationOptions { MaxLength = 0 } },
        { "Temperature", new GenerationOptions { Temperature = -0.5f } },
        { "Temperature", new GenerationOptions { Temperature = float.NaN } },
        { "Temperature", new GenerationOptions { Temperature = float.PositiveInfinity } },
        { "TopK", new GenerationOptions { TopK = -1 } },
        { "TopP", new GenerationOptions { TopP = 0 } },
        { "TopP", new GenerationOptions { TopP = 1.5f } },
        { "TopP", new GenerationOptions { TopP = float.NaN } },
        { "Count", new GenerationOptions { Count = 0 } },
        { "MinLength", new GenerationOptions { MinLength = -1 } },
        { "MinLength", new GenerationOptions { MaxLength = 20, MinLength = 30 } },
        { "Prefix", new GenerationOptions { MaxLength = 5, Prefix = "abcdef" } },
        { "Stop[1]", new GenerationOptions { Stop = ["a", ""] } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void OneBadSettingGivesOneErrorNamingItsProperty(string field, GenerationOptions options)
    {
        var error = Assert.Single(options.Errors());
        Assert.Equal(field, error.Key);
        Assert.Matches("^(Must|At most) ", error.Value);
    }

    [Fact]
    public void TheLengthRulesSayWhatMaxLengthIs()
    {
        Assert.Equal("Must be between 0 and maxLength (20).", Assert.Single(new GenerationOptions { MaxLength = 20, MinLength = 30 }.Errors()).Value);
        Assert.Equal("At most maxLength (5) characters: the prefix counts towards it.",
            Assert.Single(new GenerationOptions { MaxLength = 5, Prefix = "abcdef" }.Errors()).Value);
    }

    [Fact]
    public void TheDefaultsAndTheEdgesOfEachRangeAreValid()
    {
        Assert.Empty(new GenerationOptions().Errors());
        Assert.Empty(new GenerationOptions { MaxLength = 1, Temperature = 0, TopK = 0, TopP = 1, MinLength = 1, Prefix = "a", Stop = ["\n"] }.Errors());
    }

    [Fact]
    public void EveryBadSettingIsReportedAtOnceInDeclarationOrder()
    {
        var errors = new GenerationOptions { MaxLength = 0, TopP = 0, Count = 0 }.Errors();
        Assert.Equal(["MaxLength", "TopP", "Count"], errors.Select(e => e.Key));
    }

    [Fact]
    public void ValidateThrowsTheFirstErrorWithItsPropertyAsParamName()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { TopK = -2, Count = 0 }.Validate());
        Assert.Equal("TopK", e.ParamName);
        Assert.StartsWith("Must be 0 (off) or more.", e.Message);
    }
}
