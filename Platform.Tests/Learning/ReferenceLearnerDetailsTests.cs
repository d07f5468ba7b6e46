using Platform.Data.Runs;
using Platform.Workers.Learning;
using static TorchSharp.torch;

namespace Platform.Tests.Learning;

/// <summary>
/// The reference's learner details, as options defaulting to the reference: rollout segmentation (a rollout of T states
/// holds T − 1 transitions and the next starts at the following state) and the loss mask at episode starts.
/// </summary>
public sealed class ReferenceLearnerDetailsTests
{
    private static Tensor Uniform(float[] obs, int n, int actions) => zeros(n, actions);

    [Fact]
    public void ReferenceRolloutsHoldOneTransitionFewerAndShareNoState()
    {
        // Two pools with the same seed and the same (uniform) policy and RNG: the reference's rollouts of 5 states are the
        // overlapping rollouts of 6 states with their last transition (obs[4] → obs[5]) left out.
        const int n = 3;
        var reference = new ActorPool("catch/5x5", n, 11);
        var overlapping = new ActorPool("catch/5x5", n, 11);
        var (rngA, rngB) = (new LearnerRng(5), new LearnerRng(5));
        int actions = reference.Spec.ActionCount, obs = reference.Spec.ObservationSize;
        var a1 = reference.Rollout(4, o => Uniform(o, n, actions), rngA, stepPastTheEnd: true);
        var a2 = reference.Rollout(4, o => Uniform(o, n, actions), rngA, stepPastTheEnd: true);
        var b1 = overlapping.Rollout(5, o => Uniform(o, n, actions), rngB);
        var b2 = overlapping.Rollout(5, o => Uniform(o, n, actions), rngB);

        Assert.Equal((4, 4), (a1.T, a2.T));
        Assert.Equal(overlapping.EnvSteps, reference.EnvSteps);                              // 10 steps per environment each
        Assert.Equal(2 * 5 * n, reference.EnvSteps);
        Assert.Equal(b1.Observations.AsSpan(0, 5 * n * obs).ToArray(), a1.Observations);     // obs[0..4]
        Assert.Equal(b1.Rewards.AsSpan(0, 4 * n).ToArray(), a1.Rewards);
        // a2 starts where b1 ends (obs[5]), one state after a1's last: a1's obs[4] → a2's obs[0] is in no reference rollout.
        Assert.Equal(b1.Observations.AsSpan(5 * n * obs, n * obs).ToArray(), a2.Observations.AsSpan(0, n * obs).ToArray());
        Assert.Equal(b2.Observations.AsSpan(0, 5 * n * obs).ToArray(), a2.Observations);
        Assert.Equal(b2.EpisodeStart.AsSpan(0, 4 * n).ToArray(), a2.EpisodeStart);
    }

    [Fact]
    public void EpisodeStartsAreTheStatesAfterATerminalTransitionAndTheMaskLeavesOnlyThemOut()
    {
        // Catch 5×5: an episode is 4 steps, so 30-step rollouts cross several episode boundaries, also across rollouts.
        const int n = 2, t = 30;
        var pool = new ActorPool("catch/5x5", n, 3);
        var rng = new LearnerRng(9);
        int actions = pool.Spec.ActionCount, obsSize = pool.Spec.ObservationSize, columns = 5;
        for (int r = 0; r < 3; r++)
        {
            var batch = pool.Rollout(t, o => Uniform(o, n, actions), rng, stepPastTheEnd: true);
            for (int s = 0; s < t; s++)
            for (int i = 0; i < n; i++)
            {
                var start = batch.EpisodeStart[s * n + i];
                // The state follows a terminal transition: the one before it in this rollout, or the step past the previous rollout's end.
                if (s > 0) Assert.Equal(batch.IsTerminal[(s - 1) * n + i], start);
                else if (r == 0) Assert.Equal(0, start);                                      // the first reset is no episode start (as the reference's MID)
                // A first state of Catch has the ball in the top row.
                if (start == 1) Assert.Contains(1f, batch.Observations.AsSpan((s * n + i) * obsSize, columns).ToArray());
            }
            Assert.Contains(1f, batch.EpisodeStart);
            using var mask = batch.LossMask(maskEpisodeStarts: true, CPU);
            Assert.Equal(batch.EpisodeStart.Select(x => 1 - x), mask.data<float>().ToArray());
            using var all = batch.LossMask(maskEpisodeStarts: false, CPU);
            Assert.All(all.data<float>().ToArray(), x => Assert.Equal(1f, x));
        }
    }

    [Fact]
    public void TheDefaultsAreTheReferencesAndOldRunFoldersKeepTheirConvention()
    {
        var fresh = TrainConfig.FromOptions("catch/8x8", "disco103");
        Assert.Equal((TrainOptions.ReferenceSegments, TrainOptions.MaskEpisodeStarts), (fresh.Segments, fresh.LossMask));
        Assert.Equal((TrainOptions.Rollout.IntDefault - 1, true, true), (fresh.Transitions, fresh.StepsPastRolloutEnd, fresh.MasksEpisodeStarts));

        // run.json written before the options existed has neither: such a run resumes as it began.
        var dir = Directory.CreateTempSubdirectory("old-run-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, RunFolderLayout.RunFile), """{"config": {"env": "catch/8x8", "rollout_length": 29}}""");
            var old = RunFolder.ReadConfig<TrainConfig>(dir);
            Assert.Equal((29, 29, false, false), (old.RolloutLength, old.Transitions, old.StepsPastRolloutEnd, old.MasksEpisodeStarts));
        }
        finally { Directory.Delete(dir, true); }
    }
}
