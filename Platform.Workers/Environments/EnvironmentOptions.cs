namespace Platform.Workers.Environments;

/// <summary>Options common to all suites; each suite reads the ones that concern it.</summary>
public sealed record EnvironmentOptions
{
    public static readonly EnvironmentOptions Default = new();

    /// <summary>MinAtar: probability that the previously executed action is repeated instead of the chosen one.</summary>
    public double StickyActionProbability { get; init; } = 0.1;

    /// <summary>MinAtar: difficulty ramping (Asterix, Seaquest, SpaceInvaders).</summary>
    public bool DifficultyRamping { get; init; } = true;

    /// <summary>ProcGen: number of training level seeds (ProcGen easy uses 200).</summary>
    public int TrainLevels { get; init; } = 200;

    /// <summary>ProcGen: draw levels from the unseen test range instead of the training set.</summary>
    public bool UseTestLevels { get; init; }

    public void Validate()
    {
        if (!(StickyActionProbability >= 0 && StickyActionProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(StickyActionProbability), StickyActionProbability, "sticky action probability must be in [0, 1]");
        if (TrainLevels < 1 || TrainLevels > ProcGen.LevelSeeds.MaxTrainLevels)
            throw new ArgumentOutOfRangeException(nameof(TrainLevels), TrainLevels, $"train levels must be in 1..{ProcGen.LevelSeeds.MaxTrainLevels}");
    }
}

/// <summary>Statistics of one environment of a batch: the last completed episode and how many have completed.</summary>
public readonly record struct EpisodeStats(int CompletedEpisodes, float LastReturn, int LastLength, float CurrentReturn, int CurrentLength);
