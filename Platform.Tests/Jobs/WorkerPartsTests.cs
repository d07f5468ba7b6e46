using System.Text;
using Platform.Data.Runs;
using Platform.Workers.Jobs;

namespace Platform.Tests.Jobs;

/// <summary>The worker's pieces that need no database: command line, metrics tailing, child processes.</summary>
public class WorkerPartsTests
{
    [Fact]
    public void CommandLineFromSpec()
    {
        var spec = (TrainRunSpec)RunSpecJson.Deserialize("""
            {"kind":"train","env":"catch/5x5","rule":"ppo","steps":4000,"seed":7,"queue":"cpu",
             "hyperparameters":{"lr":0.001,"checkpoint-every":500,"net":"small"},"tags":[],"metaNetworkCheckpointId":null}
            """);
        var args = ChildCommandLines.Train(spec, spec.Rule.ToString(), "/runs/r1", resume: false, device: "cpu");
        // Options from the table first (sorted by name), the fixed ones last so that none can be replaced.
        Assert.Equal(["train", "--checkpoint-every=500", "--lr=0.001", "--net=small",
            "--env", "catch/5x5", "--rule", "ppo", "--steps", "4000", "--seed", "7", "--out", "/runs/r1", "--device", "cpu"], args);
        Assert.Equal(["train", "--resume", "/runs/r1", "--steps", "4000", "--device", "cpu"],
            ChildCommandLines.Train(spec, "ppo", "/runs/r1", resume: true, device: "cpu"));
        Assert.Equal("cuda", ChildCommandLines.Train(spec, "npz:/m.npz", "/o", resume: false, device: "cuda")[^1]);
    }

    [Theory]
    [InlineData("""{"out":"/etc"}""")]                   // not an option: would choose the trainer's output folder
    [InlineData("""{"rule":"npz:/etc/passwd.npz"}""")]    // not an option of the table
    [InlineData("""{"lr":"--out=/tmp/x"}""")]             // an option, but not a number
    [InlineData("""{"lr":-1}""")]                         // out of range
    [InlineData("""{"steps":5}""")]                       // a field of the spec, not a hyperparameter
    public void OnlyTypedOptionsOfTheTableReachTheCommandLine(string hyperparameters)
    {
        var spec = (TrainRunSpec)RunSpecJson.Deserialize(
            $$"""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":1,"seed":1,"hyperparameters":{{hyperparameters}}}""");
        Assert.Throws<FormatException>(() => ChildCommandLines.Train(spec, "ppo", "/o", false, "cpu"));
    }

    [Fact]
    public void TailerReadsOnlyCompleteNewLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"metrics-{Guid.NewGuid():N}.jsonl");
        try
        {
            var tailer = new MetricsFileTailer(path);
            Assert.Empty(tailer.ReadNew()); // no file yet
            File.WriteAllText(path, """{"step": 100, "time": 1700000000.5, "values": {"episode_return": 0.5, "loss": 1e-3}}""" + "\n"
                                    + """{"step": 200, "time": 1700000001, "val""");
            var first = tailer.ReadNew();
            var line = Assert.Single(first);
            Assert.Equal(100, line.Step);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000500), line.Time);
            Assert.Equal([new("episode_return", 0.5), new("loss", 1e-3)], line.Values);

            File.AppendAllText(path, """ues": {"episode_return": 1}}""" + "\nnot json\n" + """{"step": 300, "values": {"x": 2}}""" + "\n");
            var second = tailer.ReadNew();
            Assert.Equal([200L, 300L], second.Select(l => l.Step));
            Assert.Equal(1, tailer.MalformedLines);
            Assert.Empty(tailer.ReadNew());

            // A new tailer (a worker that took the run over) reads everything again.
            Assert.Equal(3, new MetricsFileTailer(path).ReadNew().Count);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NonFiniteAndNonNumericValuesAreDropped()
    {
        var line = MetricsFileTailer.Parse("""{"step": 5, "values": {"a": 1, "b": "text", "c": null, "d": 1e400}}""");
        Assert.NotNull(line);
        Assert.Equal(["a"], line!.Values.Select(v => v.Key));
        Assert.Null(MetricsFileTailer.Parse("""{"values": {}}"""));
    }

    [Fact]
    public async Task AbortingChildReportsSignalAndStderrTail()
    {
        var script = "for i in $(seq 1 60); do echo line$i >&2; done; kill -ABRT $$";
        using var child = ChildProcess.Start("sh", ["-c", script]);
        var code = await child.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(134, code);
        var tail = child.StderrTail;
        Assert.Equal(ChildProcess.StderrTailLines, tail.Count);
        Assert.Equal("line60", tail[^1]);
        Assert.Equal("line21", tail[0]);
    }

    [Fact]
    public async Task AChildGetsNoDatabaseCredentialsNorPlatformSettings()
    {
        // Variables of the names a worker is configured by, set in this process for the child to (not) inherit; the
        // suffix keeps them from meaning anything to other tests' processes that inherit them too.
        string[] secrets = ["ConnectionStrings__ChildEnvProbe", "Platform__ChildEnvProbe", "PLATFORM_DB_CHILD_ENV_PROBE", "PGPASSWORD_CHILD_ENV_PROBE"];
        foreach (var name in secrets) Environment.SetEnvironmentVariable(name, "secret");
        Environment.SetEnvironmentVariable("DISCO_CHILD_ENV_PROBE", "kept");
        try
        {
            var echo = string.Join(' ', secrets.Select(n => $"{n}=${{{n}-unset}}")) + " DISCO=${DISCO_CHILD_ENV_PROBE-unset} PATH=${PATH:+set} EXPLICIT=${EXPLICIT-unset}";
            using var child = ChildProcess.Start("sh", ["-c", "echo " + echo], environment: new Dictionary<string, string> { ["EXPLICIT"] = "given" });
            Assert.Equal(0, await child.Exited.WaitAsync(TimeSpan.FromSeconds(30)));
            var line = Assert.Single(child.StdoutTail);
            foreach (var name in secrets) Assert.Contains($"{name}=unset", line);
            Assert.Contains("DISCO=kept", line);
            Assert.Contains("PATH=set", line);
            Assert.Contains("EXPLICIT=given", line);
        }
        finally
        {
            foreach (var name in secrets.Append("DISCO_CHILD_ENV_PROBE")) Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task TerminateSendsSigterm()
    {
        using var child = ChildProcess.Start("sh", ["-c", "trap 'echo got-term >&2; exit 130' TERM; while true; do sleep 0.1; done"]);
        await Task.Delay(500);
        var code = await child.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(130, code);
        Assert.Contains("got-term", child.StderrTail);
    }

    [Fact]
    public async Task StopKillsAChildThatIgnoresSigterm()
    {
        using var child = ChildProcess.Start("sh", ["-c", "trap '' TERM; while true; do sleep 0.1; done"]);
        await Task.Delay(300);
        Assert.Equal(137, await child.StopAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task ChildDiesWithItsParent()
    {
        // A real parent (sh) starts a grandchild through setpriv --pdeathsig KILL, exactly as ChildProcess does, then
        // is killed with SIGKILL: the grandchild must die too.
        if (!OperatingSystem.IsLinux()) return;
        var pidFile = Path.Combine(Path.GetTempPath(), $"pdeath-{Guid.NewGuid():N}");
        using var parent = ChildProcess.Start("sh", ["-c", $"setpriv --pdeathsig KILL -- sleep 300 & echo $! > {pidFile}; wait"]);
        Assert.True(parent.DiesWithParent);
        for (var i = 0; i < 100 && !File.Exists(pidFile); i++) await Task.Delay(50);
        await Task.Delay(200);
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(Directory.Exists($"/proc/{grandchild}"));
        parent.Kill();
        await parent.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 100 && IsAlive(grandchild); i++) await Task.Delay(50);
        Assert.False(IsAlive(grandchild));
        File.Delete(pidFile);
    }

    [Theory]
    [InlineData(3, "1", 2, 1, 3)]    // configured: wins over everything
    [InlineData(0, "1", 16, 1, 1)]   // the parent's OMP_NUM_THREADS (e.g. the test script's)
    [InlineData(0, null, 16, 1, 16)] // one run at a time: every core
    [InlineData(0, null, 16, 4, 4)]  // four at once share them
    [InlineData(0, "", 2, 4, 1)]     // never fewer than one
    [InlineData(0, "-2", 8, 2, 4)]   // a malformed inherited value is ignored
    public void ATrainerChildsThreadsComeFromTheSettingTheInheritedVariableOrTheCoresPerConcurrentRun(
        int configured, string? inherited, int cores, int concurrency, int expected) =>
        Assert.Equal(expected, WorkerOptions.ChildTorchThreads(configured, inherited, cores, concurrency));

    [Fact]
    public void ATrainerChildsEnvironmentConfinesItsWritesAndSetsItsThreads()
    {
        var environment = new WorkerOptions { TorchThreads = 5 }.ChildEnvironment("/tmp/some-run");
        Assert.Equal("5", environment[WorkerOptions.ThreadsVariable]);
        Assert.Equal("/tmp/some-run", environment[Platform.Workers.WriteConfinement.EnvironmentVariable]);
        Assert.True(ChildProcess.PassesOn(WorkerOptions.ThreadsVariable));
    }

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
}
