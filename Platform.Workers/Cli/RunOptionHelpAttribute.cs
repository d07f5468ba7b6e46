using System.ComponentModel;
using Platform.Data.Runs;

namespace Platform.Workers.Cli;

/// <summary>
/// An option's CLI help, read from its run-option table (<see cref="RunOptionTables"/>) rather than written again here:
/// Spectre.Console.Cli shows a property's <see cref="DescriptionAttribute"/>, and this one answers with the table's
/// help line (what it does, its default, its range). A name missing from the table fails when help is built, and
/// <c>RunOptionTableTests</c> checks every table option has its flag here.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RunOptionHelpAttribute(string kind, string name) : DescriptionAttribute
{
    public RunOption Option => RunOptionTables.All[kind].FirstOrDefault(o => o.Name == name)
        ?? throw new InvalidOperationException($"'{name}' is not in the {kind} option table");

    /// <summary>Spectre renders descriptions as markup: brackets in the help (e.g. "discounts[:-1]") are escaped.</summary>
    public override string Description => Spectre.Console.Markup.Escape(Option.HelpLine);
}
