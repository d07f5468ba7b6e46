using System.Diagnostics;
using Platform.Workers;
using Platform.Workers.Cli;

namespace Platform.Tests.Learning;

/// <summary>
/// scripts/gpu-check.sh, the check prepared for a lent CUDA machine, runs end to end here on the CPU (--quick), so it
/// cannot rot between the rare sessions that have a GPU.
/// </summary>
public class GpuCheckScriptTests
{
    [Fact]
    public void VerifyGoldenRunsOnTheDeviceItIsGivenAndRefusesOneItCannotUse()
    {
        var golden = SharedPaths.Golden("disco103_golden_small.npz") ?? throw new InvalidOperationException("the shared folder is missing");
        var (code, stdout, err) = WorkerCli.Run("verify-golden", golden, "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("verify-golden: 178 arrays, 0 failed", stdout);
        WorkerCli.AssertUsageError(["verify-golden", golden, "--device", "tpu"]);
        if (!TorchSharp.torch.cuda.is_available())
        {
            (code, _, err) = WorkerCli.Run("verify-golden", golden, "--device", "cuda");
            Assert.Equal(2, code);
            Assert.Contains("no CUDA device is available", err);
        }
    }

    [Fact]
    public async Task TheDeviceCheckRunsEveryStepOnTheCpu()
    {
        var shared = SharedPaths.SharedDirectory ?? throw new InvalidOperationException("the shared folder (weights, golden files) is missing");
        var report = Path.Combine(Path.GetTempPath(), $"gpu-check-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Platform.Tests.EndToEnd.WebFixture.RepoRoot() };
        foreach (var a in new[] { "scripts/gpu-check.sh", "--device", "cpu", "--quick", "--out", report }) psi.ArgumentList.Add(a);
        psi.Environment["DISCO_SHARED_DIR"] = shared;
        psi.Environment["CLI"] = $"dotnet {typeof(TrainCommand).Assembly.Location}";
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await p.WaitForExitAsync(timeout.Token);
            var text = await File.ReadAllTextAsync(report);
            Assert.True(p.ExitCode == 0, await stderr + "\n" + text);
            Assert.Contains("every step passed", await stdout);
            foreach (var step in new[] { "## torch-info", "## verify-golden disco103_golden_catch.npz", "## verify-golden disco103_golden_small.npz",
                         "## bench-rule", "## bench-learner catch demo", "## bench-learner breakout", "## meta-train catch colab", "# done" })
                Assert.Contains(step, text);
            Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("verify-golden: 178 arrays, 0 failed", StringComparison.Ordinal)));
            Assert.Contains("learner_updates_per_s=", text);
            Assert.DoesNotContain("FAILED", text);
        }
        finally { File.Delete(report); }
    }
}
