using System.Reflection;
using System.Text.Json;
using Platform.Data.Runs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The forms' reading of whole-number fields (Platform.Web.dll of this build, by reflection): a step budget may be written
/// in scientific notation when its value is whole, "1e4" or "2.5e5", and "1.5" or "1e-3" are still refused (issue #19, item 15).
/// </summary>
public class OptionValuesTests
{
    private static readonly Type Values = WebAssemblyOfThisBuild.Type("Platform.Web.Services.OptionValues");
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static object? Call(string name, params object?[] args) =>
        Values.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == name && m.GetParameters().Length == args.Length).Invoke(null, args);

    /// <summary>The web app's copy of an option of the API's tables, as GET /api/run-options describes it.</summary>
    private static object Option(RunOption o, string type) => JsonSerializer.Deserialize(JsonSerializer.Serialize(new
    {
        name = o.Name, field = o.Field, label = o.Label, type, help = o.Help, min = o.Min, minExclusive = o.MinExclusive, max = o.Max,
        flag = o.Flag, fieldPath = o.FieldPath, defaultDescription = "", rangeDescription = o.RangeDescription, helpLine = o.Help,
    }, Web), WebAssemblyOfThisBuild.Type("Platform.Web.Services.RunOptionDto"), Web)!;

    [Theory]
    [InlineData("20000", 20_000L)]
    [InlineData("1_000_000", 1_000_000L)]
    [InlineData("1e4", 10_000L)]
    [InlineData("2.5e5", 250_000L)]
    [InlineData("1E+6", 1_000_000L)]
    [InlineData(" 3e3 ", 3_000L)]
    [InlineData("1.2345e4", 12_345L)]
    [InlineData("-2e2", -200L)]
    public void WholeNumbersAreReadInAnyNotationWhoseValueIsWhole(string text, long expected)
    {
        object?[] args = [text, 0L];
        Assert.True((bool)Values.GetMethod("TryWhole")!.Invoke(null, args)!, text);
        Assert.Equal(expected, args[1]);
        if (expected > 0) Assert.Null(Call("WholeProblem", Option(TrainOptions.Steps, "integer"), text, true));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e-3")]
    [InlineData("1e-30")]
    [InlineData("1.0000000000000000001")]
    [InlineData("2.5e0")]
    [InlineData("1e4.5")]
    [InlineData("ten")]
    [InlineData("0x10")]
    [InlineData("1e30")]   // beyond a whole number's range
    public void FractionsAndNonNumbersAreNotWholeNumbers(string text)
    {
        object?[] args = [text, 0L];
        Assert.False((bool)Values.GetMethod("TryWhole")!.Invoke(null, args)!, text);
        Assert.Equal("Must be a whole number.", Call("WholeProblem", Option(TrainOptions.Steps, "integer"), text, true));
    }

    [Fact]
    public void AStepBudgetInScientificNotationIsCheckedAgainstItsRangeAndSentAsAWholeNumber()
    {
        var steps = Option(TrainOptions.Steps, "integer");
        Assert.Null(Call("WholeProblem", steps, "1e4", true));
        Assert.Equal($"Must be {TrainOptions.Steps.RangeDescription}.", Call("WholeProblem", steps, "1e11", true));
        Assert.Equal(10_000L, Call("Whole", "1e4"));

        // An integer hyperparameter likewise: checked, then sent as a JSON integer (not 10000.0).
        var logEvery = Option(TrainOptions.LogEvery, "integer");
        Assert.Null(Call("Problem", logEvery, "1e2"));
        Assert.Equal("Must be a whole number.", Call("Problem", logEvery, "1.5"));
        Assert.Equal("Must be a whole number.", Call("Problem", logEvery, "1e-3"));
        var listType = typeof(List<>).MakeGenericType(logEvery.GetType());
        var options = (System.Collections.IList)Activator.CreateInstance(listType)!;
        options.Add(logEvery);
        var hyper = (Dictionary<string, JsonElement>)Call("Hyperparameters", options, new Dictionary<string, string?> { ["log-every"] = "1e2" })!;
        Assert.Equal("100", hyper["log-every"].GetRawText());
    }
}
