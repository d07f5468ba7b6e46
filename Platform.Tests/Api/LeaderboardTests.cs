using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Data.Environments;

namespace Platform.Tests.Api;

/// <summary>Leaderboards from finished runs in the real database, through the real endpoint.</summary>
public class LeaderboardTests(ApiFixture fx) : IClassFixture<ApiFixture>
{
    private async Task<Guid> FinishedRunAsync(Guid teamId, string env, string rule, long steps, long seed, double score,
        RunStatus status = RunStatus.Succeeded, Guid? metaNetwork = null, double? trainLevels = null, double? testLevels = null,
        int? evaluationEpisodes = 100)
    {
        await using var db = fx.Db();
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = status, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = env, Rule = rule, Seed = seed, TotalSteps = steps, CurrentStep = steps,
            FinalScore = score, CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, MetaNetworkCheckpointId = metaNetwork,
            FinalReturnTrainLevels = trainLevels, FinalReturnTestLevels = testLevels, FinalScoreEpisodes = evaluationEpisodes,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task CatchLeaderboardNormalisesAndAggregates()
    {
        var owner = await fx.CreateUserAsync("lb-catch", "lb@catch.test", "password");
        var team = owner.TeamId;
        var ids = new Dictionary<(string, long), Guid>();
        double[] scores5 = [1.0, 0.2, -0.6, 0.6];
        double[] scores8 = [0.5, 1.0, -0.75];
        for (var s = 0; s < scores5.Length; s++) ids[("catch/5x5", s)] = await FinishedRunAsync(team, "catch/5x5", "disco103", 5000, s, scores5[s]);
        for (var s = 0; s < scores8.Length; s++) ids[("catch/8x8", s)] = await FinishedRunAsync(team, "catch/8x8", "disco103", 5000, s, scores8[s]);
        await FinishedRunAsync(team, "catch/5x5", "disco103", 5000, 9, 1.0, RunStatus.Failed); // not counted
        // The newest run of a repeated seed counts.
        await Task.Delay(20);
        ids[("catch/5x5", 0)] = await FinishedRunAsync(team, "catch/5x5", "disco103", 5000, 0, 0.84);
        scores5[0] = 0.84;

        using var client = fx.Client(owner.ApiKey);
        var board = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/catch"));
        Assert.Equal("catch", board.GetProperty("suite").GetString());

        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        var e5 = entries.Single(e => e.GetProperty("env").GetString() == "catch/5x5");
        var seeds5 = e5.GetProperty("seeds").EnumerateArray().ToList();
        Assert.Equal(4, seeds5.Count);
        for (var s = 0; s < 4; s++)
        {
            Assert.Equal(ids[("catch/5x5", s)], seeds5[s].GetProperty("runId").GetGuid());
            Assert.Equal((scores5[s] + 0.6) / 1.6, seeds5[s].GetProperty("normalised").GetDouble(), 12);
        }
        Assert.Equal(-0.6, e5.GetProperty("normalisation").GetProperty("random").GetDouble(), 12);
        Assert.Equal(1.0, e5.GetProperty("normalisation").GetProperty("reference").GetDouble(), 12);

        var aggregate = board.GetProperty("aggregates").EnumerateArray().Single();
        var normalised = scores5.Select(x => (x + 0.6) / 1.6).Concat(scores8.Select(x => (x + 0.75) / 1.75)).ToArray();
        var iqm = aggregate.GetProperty("iqm").GetDouble();
        Assert.Equal(Platform.Api.Leaderboards.ScoreStatistics.InterquartileMean(normalised), iqm, 12);
        Assert.InRange(iqm, aggregate.GetProperty("ciLow").GetDouble(), aggregate.GetProperty("ciHigh").GetDouble());
        Assert.Equal(7, aggregate.GetProperty("scores").GetInt32());
        Assert.Equal(ids.Values.ToHashSet(), aggregate.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()).ToHashSet());

        // Reproducible: the same request gives the same CI.
        var again = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/catch"));
        Assert.Equal(aggregate.GetProperty("ciLow").GetDouble(), again.GetProperty("aggregates")[0].GetProperty("ciLow").GetDouble());

        // Other teams see none of it.
        using var other = fx.Client(fx.TeamB.ApiKey);
        var theirs = await HttpAssertions.ReadJsonAsync(await other.GetAsync("/api/leaderboards/catch"));
        Assert.Empty(theirs.GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task MinAtarNormalisesAgainstPpoAtTheSameBudget()
    {
        var owner = await fx.CreateUserAsync("lb-minatar", "lb@minatar.test", "password");
        var team = owner.TeamId;
        await using (var db = fx.Db())
        {
            var env = await db.Environments.FindAsync("minatar/breakout");
            env!.RandomScore = 0.5;
            (await db.Environments.FindAsync("minatar/freeway"))!.RandomScore = null;   // as if never measured
            await db.SaveChangesAsync();
        }
        var ppo1 = await FinishedRunAsync(team, "minatar/breakout", "ppo", 100_000, 1, 10);
        var ppo2 = await FinishedRunAsync(team, "minatar/breakout", "ppo", 100_000, 2, 12);
        var disco = await FinishedRunAsync(team, "minatar/breakout", "disco103", 100_000, 1, 16);
        await FinishedRunAsync(team, "minatar/breakout", "disco103", 50_000, 1, 8); // no PPO at 50k
        await FinishedRunAsync(team, "minatar/freeway", "disco103", 100_000, 1, 20); // freeway: no random score

        using var client = fx.Client(owner.ApiKey);
        var board = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/minatar"));
        Assert.Equal("Atari (MinAtar)", board.GetProperty("displayName").GetString());
        var entries = board.GetProperty("entries").EnumerateArray().ToList();

        var discoEntry = entries.Single(e => e.GetProperty("env").GetString() == "minatar/breakout" && e.GetProperty("rule").GetString() == "disco103" && e.GetProperty("steps").GetInt64() == 100_000);
        Assert.Equal((16 - 0.5) / (11 - 0.5), discoEntry.GetProperty("seeds")[0].GetProperty("normalised").GetDouble(), 12);
        Assert.Equal([ppo1, ppo2], discoEntry.GetProperty("normalisation").GetProperty("referenceRunIds").EnumerateArray().Select(e => e.GetGuid()).OrderBy(g => g));
        Assert.True(discoEntry.GetProperty("seeds")[0].GetProperty("normalised").GetDouble() > 1, "beats PPO");

        var noBaseline = entries.Single(e => e.GetProperty("steps").GetInt64() == 50_000);
        Assert.Equal(JsonValueKind.Null, noBaseline.GetProperty("seeds")[0].GetProperty("normalised").ValueKind);
        Assert.Contains("No succeeded PPO run", noBaseline.GetProperty("normalisation").GetProperty("unavailable").GetString());
        // Issue #19, item 4: without a reference the measured random score is still shown, as /api/environments has it.
        Assert.Equal(0.5, noBaseline.GetProperty("normalisation").GetProperty("random").GetDouble());
        Assert.Equal(JsonValueKind.Null, noBaseline.GetProperty("normalisation").GetProperty("reference").ValueKind);
        var freeway = entries.Single(e => e.GetProperty("env").GetString() == "minatar/freeway");
        Assert.Contains("random-policy score", freeway.GetProperty("normalisation").GetProperty("unavailable").GetString());

        var agg = board.GetProperty("aggregates").EnumerateArray()
            .Single(a => a.GetProperty("rule").GetString() == "disco103" && a.GetProperty("steps").GetInt64() == 100_000);
        Assert.Equal(1, agg.GetProperty("environments").GetInt32());
        Assert.Equal([disco], agg.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Contains("left out", agg.GetProperty("note").GetString());
    }

    [Fact]
    public async Task StartupMirrorsTheMeasuredNormalisationConstants()
    {
        await using var db = fx.Db();
        await Platform.Api.Bootstrapper.SyncCatalogAsync(db);
        var maze = await db.Environments.FindAsync("procgen/maze");
        var maze2 = EnvironmentCatalog.Get("procgen/maze");
        Assert.Equal(maze2.RandomReturn, maze!.RandomScore);
        Assert.Equal(maze2.ReferenceReturn, maze.ReferenceScore);
        var asterix = await db.Environments.FindAsync("minatar/asterix");
        Assert.Equal(EnvironmentCatalog.Get("minatar/asterix").RandomReturn, asterix!.RandomScore);
        Assert.Null(asterix.ReferenceScore);   // MinAtar's reference is PPO at the run's budget
    }

    [Fact]
    public async Task StartupUpsertsTheCatalogue()
    {
        await using (var db = fx.Db())
        {
            // As in a database from before the catalogue: the old spelling, and a row the catalogue has but the table lacks.
            (await db.Suites.FindAsync("procgen"))!.Name = "Procgen";
            db.Environments.Remove((await db.Environments.FindAsync("procgen/leaper"))!);
            await db.SaveChangesAsync();
        }
        await using (var db = fx.Db())
            await Platform.Api.Bootstrapper.SyncCatalogAsync(db);

        await using var check = fx.Db();
        Assert.Equal(EnvironmentCatalog.Suites.OrderBy(s => s.Id).Select(s => (s.Id, s.Name, s.Description)),
            (await check.Suites.AsNoTracking().OrderBy(s => s.Id).ToListAsync()).Select(s => (s.Id, s.Name, s.Description!)));
        Assert.Equal("ProcGen", (await check.Suites.FindAsync("procgen"))!.Name);
        var leaper = await check.Environments.FindAsync("procgen/leaper");
        Assert.Equal(("procgen", "leaper", EnvironmentCatalog.Get("procgen/leaper").Description), (leaper!.SuiteId, leaper.Name, leaper.Description));
        Assert.Equal((NormalisationConstants.LeaperRandom, NormalisationConstants.LeaperBest), (leaper.RandomScore!.Value, leaper.ReferenceScore!.Value));
        var catch8 = await check.Environments.FindAsync("catch/8x8");
        Assert.Equal(("8x8", "Catch on an 8x8 board."), (catch8!.Name, catch8.Description));
        Assert.Null(catch8.RandomScore);      // exact: the leaderboard derives it from the board size
        Assert.Null(catch8.ReferenceScore);
        Assert.Equal(EnvironmentCatalog.Ids.Order(), (await check.Environments.Select(e => e.Id).ToListAsync()).Order());
    }

    [Fact]
    public async Task UnknownSuiteIs404()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        await HttpAssertions.AssertProblemAsync(await client.GetAsync("/api/leaderboards/atari2600"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ASuitesAliasOpensItsBoardUnderItsOneIdAndTitle()
    {
        // Issue #19, item 15f: evaluate-on-suite takes atari for MinAtar, so the leaderboard route does too, and both answer
        // with the catalogue's id and title.
        using var client = fx.Client(fx.TeamA.ApiKey);
        var minatar = EnvironmentCatalog.Suites.Single(s => s.Aliases.Contains("atari"));
        foreach (var name in new[] { minatar.Id, "atari", "ATARI" })
        {
            var board = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/leaderboards/{name}"));
            Assert.Equal(minatar.Id, board.GetProperty("suite").GetString());
            Assert.Equal(minatar.Title, board.GetProperty("displayName").GetString());
        }
        var problem = await HttpAssertions.AssertProblemAsync(await client.GetAsync("/api/leaderboards/dmlab"), HttpStatusCode.NotFound);
        Assert.Contains("atari", problem.GetProperty("detail").GetString());
    }

    private async Task<Guid> MetaNetworkAsync(Guid teamId, string name, List<string>? trainedOn)
    {
        await using var db = fx.Db();
        var checkpoint = new Checkpoint
        {
            Id = Guid.CreateVersion7(), Kind = CheckpointKind.MetaNetwork, TeamId = teamId, Name = name, Sha256 = new string('0', 64),
            StorageUri = "/nonexistent.npz", CreatedAt = DateTimeOffset.UtcNow, MetaTrainedOn = trainedOn,
        };
        db.Checkpoints.Add(checkpoint);
        await db.SaveChangesAsync();
        return checkpoint.Id;
    }

    [Fact]
    public async Task GeneralisationViewComesFromRecordedMetaTraining()
    {
        var owner = await fx.CreateUserAsync("lb-general", "lb@general.test", "password");
        var team = owner.TeamId;
        await using (var db = fx.Db())
        {
            var heist = await db.Environments.FindAsync("procgen/heist");
            (heist!.RandomScore, heist.ReferenceScore) = (1.0, 11.0);
            await db.SaveChangesAsync();
        }
        var onCatch = await MetaNetworkAsync(team, "catch rule", ["catch/5x5", "catch/8x8"]);
        var unrecorded = await MetaNetworkAsync(team, "uploaded rule", null);

        // The catch-trained rule: three runs listed under it (as submitted runs are, and as the RunArtifactsAndRulesOfMetaNetworkRuns
        // migration rewrote the runs the web used to submit as rule disco103 + the checkpoint).
        var c1 = await FinishedRunAsync(team, "catch/5x5", "meta-network:" + onCatch, 1000, 1, 0.2, metaNetwork: onCatch);
        var c2 = await FinishedRunAsync(team, "catch/5x5", "meta-network:" + onCatch, 1000, 2, 1.0, metaNetwork: onCatch);
        var c3 = await FinishedRunAsync(team, "catch/5x5", "meta-network:" + onCatch, 1000, 3, 0.6, metaNetwork: onCatch);
        // ProcGen runs count by their return on unseen test levels (3.0, 6.0), not their training episodes (9.0).
        var cProcgen = await FinishedRunAsync(team, "procgen/heist", "meta-network:" + onCatch, 1000, 1, 9.0, metaNetwork: onCatch, trainLevels: 4.0, testLevels: 3.0);
        var d1 = await FinishedRunAsync(team, "catch/5x5", "disco103", 1000, 1, -0.2);
        var dProcgen = await FinishedRunAsync(team, "procgen/heist", "disco103", 1000, 1, 9.0, trainLevels: 7.0, testLevels: 6.0);
        await FinishedRunAsync(team, "catch/5x5", "ppo", 1000, 1, 0.0);
        await FinishedRunAsync(team, "catch/8x8", "meta-network:" + unrecorded, 1000, 1, 0.0, metaNetwork: unrecorded);

        using var client = fx.Client(owner.ApiKey);
        var view = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/generalisation"));
        var rows = view.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("rule").GetString()!);
        Assert.Equal(new[] { "disco103", "meta-network:" + onCatch, "meta-network:" + unrecorded, "ppo" }.Order(StringComparer.Ordinal),
            rows.Keys.Order(StringComparer.Ordinal));

        // The catch-trained meta-network: provenance from its checkpoint; in distribution on Catch only.
        var rule = rows["meta-network:" + onCatch];
        Assert.Equal("catch rule", rule.GetProperty("label").GetString());
        Assert.Equal(onCatch, rule.GetProperty("checkpointId").GetGuid());
        var trained = rule.GetProperty("metaTrainedOn");
        Assert.Equal("meta-learned", trained.GetProperty("kind").GetString());
        Assert.Equal(["catch"], trained.GetProperty("suites").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["catch/5x5", "catch/8x8"], trained.GetProperty("environments").EnumerateArray().Select(e => e.GetString()));
        var cells = rule.GetProperty("cells").EnumerateArray().ToDictionary(c => c.GetProperty("suite").GetString()!);
        Assert.Equal(["catch", "procgen"], cells.Keys.Order());
        Assert.True(cells["catch"].GetProperty("inDistribution").GetBoolean());
        Assert.False(cells["procgen"].GetProperty("inDistribution").GetBoolean());
        Assert.Equal(new[] { c1, c2, c3 }.Order(), cells["catch"].GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()).Order());
        Assert.Equal(Platform.Api.Leaderboards.ScoreStatistics.InterquartileMean(new[] { 0.2, 1.0, 0.6 }.Select(x => (x + 0.6) / 1.6).ToArray()),
            cells["catch"].GetProperty("iqm").GetDouble(), 12);
        Assert.Equal((3.0 - 1) / 10, cells["procgen"].GetProperty("iqm").GetDouble(), 12);
        Assert.Equal([cProcgen], cells["procgen"].GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));

        // Disco103: the paper's suites; ProcGen in distribution, Catch not; its runs only (not those of the meta-network).
        var disco = rows["disco103"];
        Assert.Equal(["atari", "procgen", "dmlab"], disco.GetProperty("metaTrainedOn").GetProperty("suites").EnumerateArray().Select(e => e.GetString()));
        var discoCells = disco.GetProperty("cells").EnumerateArray().ToDictionary(c => c.GetProperty("suite").GetString()!);
        Assert.False(discoCells["catch"].GetProperty("inDistribution").GetBoolean());
        Assert.True(discoCells["procgen"].GetProperty("inDistribution").GetBoolean());
        Assert.Equal([d1], discoCells["catch"].GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([dProcgen], discoCells["procgen"].GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));

        // A baseline is hand-designed; a meta-network uploaded without provenance is unknown.
        Assert.Equal("hand-designed", rows["ppo"].GetProperty("metaTrainedOn").GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, rows["ppo"].GetProperty("cells")[0].GetProperty("inDistribution").ValueKind);
        Assert.Equal("unknown", rows["meta-network:" + unrecorded].GetProperty("metaTrainedOn").GetProperty("kind").GetString());

        // The per-suite board lists the meta-network apart from disco103 too; other teams see nothing.
        var board = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/catch"));
        var discoAggregate = board.GetProperty("aggregates").EnumerateArray().Single(a => a.GetProperty("rule").GetString() == "disco103");
        Assert.Equal([d1], discoAggregate.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));
        using var other = fx.Client(fx.TeamB.ApiKey);
        var theirs = await HttpAssertions.ReadJsonAsync(await other.GetAsync("/api/leaderboards/generalisation"));
        Assert.DoesNotContain(theirs.GetProperty("rows").EnumerateArray(), r => r.GetProperty("rule").GetString()!.Contains(onCatch.ToString()));
    }

    [Fact]
    public async Task ProcGenScoresAreOnUnseenTestLevelsWithTrainingLevelsAndTheGapBeside()
    {
        var owner = await fx.CreateUserAsync("lb-procgen", "lb@procgen.test", "password");
        var team = owner.TeamId;
        await using (var db = fx.Db())
        {
            var maze = await db.Environments.FindAsync("procgen/maze");
            (maze!.RandomScore, maze.ReferenceScore) = (2.0, 10.0);
            await db.SaveChangesAsync();
        }
        var s0 = await FinishedRunAsync(team, "procgen/maze", "ppo", 2000, 0, 9.0, trainLevels: 8.0, testLevels: 6.0);
        var s1 = await FinishedRunAsync(team, "procgen/maze", "ppo", 2000, 1, 9.5, trainLevels: 9.0, testLevels: 4.0);
        await FinishedRunAsync(team, "procgen/maze", "ppo", 2000, 2, 10.0); // from before test-level evaluation: left out

        using var client = fx.Client(owner.ApiKey);
        var board = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/procgen"));
        Assert.Equal(Platform.Api.Leaderboards.LeaderboardService.TestLevelsBasis, board.GetProperty("scoreBasis").GetString());
        Assert.Equal(1, board.GetProperty("leftOut").GetInt32());
        var entry = board.GetProperty("entries").EnumerateArray().Single();
        Assert.Equal([s0, s1], entry.GetProperty("seeds").EnumerateArray().Select(x => x.GetProperty("runId").GetGuid()));
        Assert.Equal(5.0, entry.GetProperty("meanScore").GetDouble(), 12);                 // the test-level returns
        Assert.Equal(((6.0 - 2) / 8 + (4.0 - 2) / 8) / 2, entry.GetProperty("meanNormalised").GetDouble(), 12);
        Assert.Equal(8.5, entry.GetProperty("meanTrainLevels").GetDouble(), 12);
        Assert.Equal(5.0, entry.GetProperty("meanTestLevels").GetDouble(), 12);
        Assert.Equal(3.5, entry.GetProperty("generalisationGap").GetDouble(), 12);

        // Catch has no held-out levels: scored by the end-of-run evaluation; a run whose final score is the mean of its
        // last training episodes (from before that evaluation existed) is left out and counted.
        var evaluated = await FinishedRunAsync(team, "catch/5x5", "ppo", 2000, 0, 0.5);
        await FinishedRunAsync(team, "catch/5x5", "ppo", 2000, 1, 0.9, evaluationEpisodes: null);
        var catchBoard = await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/leaderboards/catch"));
        Assert.Equal(Platform.Api.Leaderboards.LeaderboardService.EvaluationBasis, catchBoard.GetProperty("scoreBasis").GetString());
        Assert.Equal(1, catchBoard.GetProperty("leftOut").GetInt32());
        Assert.Equal([evaluated], catchBoard.GetProperty("entries").EnumerateArray().Single()
            .GetProperty("seeds").EnumerateArray().Select(x => x.GetProperty("runId").GetGuid()));
    }
}
