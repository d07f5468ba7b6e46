using System.Globalization;
using Platform.Data.Environments;
using Platform.Workers.Environments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary><c>envs</c>: the environment registry as a table.</summary>
public sealed class EnvsCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        // Ids never wrap (they are copied into commands); short headers keep the table within 80 columns.
        var table = new Table()
            .AddColumn(new TableColumn("id").NoWrap())
            .AddColumns("suite", "actions", "obs (H×W×C)", "random", "reference");
        foreach (var s in EnvironmentRegistry.All)
        {
            table.AddRow(
                Markup.Escape(s.Id), s.Suite, s.ActionCount.ToString(CultureInfo.InvariantCulture),
                string.Join("×", s.ObservationShape), Format(s.RandomReturn), Format(s.ReferenceReturn));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    internal static string Format(double v) => double.IsNaN(v) ? "—" : v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>Parses an <c>--env</c> option: one registry id, or all of them when absent.</summary>
internal static class EnvOption
{
    public static IReadOnlyList<EnvironmentSpec> Resolve(string? id)
    {
        if (string.IsNullOrEmpty(id)) return EnvironmentRegistry.All;
        try { return [EnvironmentRegistry.Get(id)]; }
        catch (UnknownEnvironmentException ex) { throw new CliUsageException(ex.Message); }
    }
}
