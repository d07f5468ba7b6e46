using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Npz;
using Platform.Tests.UpdateRules;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>Uploading meta-networks: the released layout is accepted and downloads back intact; anything else is refused and stores nothing.</summary>
public class CheckpointUploadTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);

    private static MultipartFormDataContent Form(byte[] file, string? name = "my rule")
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "rule.npz");
        if (name is not null) form.Add(new StringContent(name), "name");
        return form;
    }

    private async Task<(int Rows, int Files)> StoredAsync()
    {
        await using var db = api.Db();
        int rows = await db.Checkpoints.CountAsync();
        int files = Directory.Exists(api.StorageRoot) ? Directory.GetFiles(api.StorageRoot, "*", SearchOption.AllDirectories).Length : 0;
        return (rows, files);
    }

    [Fact]
    public async Task AMetaNetworkInTheReleasedLayoutUploadsListsAndDownloadsWithItsChecksum()
    {
        var bytes = Platform.Tests.Checkpoints.CheckpointTestFiles.UniqueMetaNetwork();
        var created = await ReadJsonAsync(await A.PostAsync("/api/checkpoints", Form(bytes, "disco103 copy")), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("meta-network", created.GetProperty("kind").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), created.GetProperty("sha256").GetString());

        var list = await ReadJsonAsync(await A.GetAsync("/api/checkpoints?kind=meta-network"));
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        var download = await A.GetAsync($"/api/checkpoints/{id}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    public static TheoryData<string> HostileFiles() => ["not a zip", "truncated", "transposed tensor", "missing tensor", "nan", "inflates past the limit"];

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task HostileOrBrokenFilesAre400NamingTheFileAndStoreNothing(string kind)
    {
        var released = await File.ReadAllBytesAsync(TestPaths.Disco103Weights);
        var arrays = new Dictionary<string, NpyArray>(Npz.Read(TestPaths.Disco103Weights));
        byte[] file = kind switch
        {
            "not a zip" => "definitely not an npz"u8.ToArray(),
            "truncated" => released[..(released.Length / 2)],
            "transposed tensor" => Write(arrays, a => a["lstm/linear_2/w"] = new NpyArray(NpyDType.Float32, [600, 256], a["lstm/linear_2/w"].ToFloat32())),
            "missing tensor" => Write(arrays, a => a.Remove("lstm/linear_4/b")),
            "nan" => Write(arrays, a => { var d = a["lstm/linear_4/w"].ToFloat32(); d[0] = float.NaN; a["lstm/linear_4/w"] = NpyArray.Of(d, 16, 1); }),
            _ => Bomb(),
        };
        var before = await StoredAsync();
        var response = await A.PostAsync("/api/checkpoints", Form(file));
        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "file");
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task AMissingNameIs400AndStoresNothing()
    {
        var before = await StoredAsync();
        var response = await A.PostAsync("/api/checkpoints", Form(await File.ReadAllBytesAsync(TestPaths.Disco103Weights), name: null));
        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "name");
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task UploadsNeedAKey()
    {
        var response = await api.Client().PostAsync("/api/checkpoints", Form([1, 2, 3]));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// While <c>Platform:MaxConcurrentUploads</c> (4) uploads are in progress, a further one is refused with 429 and
    /// Retry-After before its body is read; once they end, uploads are served again. Five uploads are started on raw
    /// sockets that send their headers and then trickle the body (64 bytes each 100 ms, above Kestrel's minimum data rate,
    /// so Kestrel does not abort them): four hold a permit in the endpoint, waiting for the rest of their body, and the
    /// fifth, whichever it is, is answered 429. With nothing else in flight, the four then hold every permit, so a fresh
    /// upload is refused too; after the sockets close, a fresh (broken) upload is read and refused as 400.
    /// </summary>
    [Fact]
    public async Task UploadsBeyondTheConcurrencyLimitAre429UntilThoseInProgressEnd()
    {
        const int limit = 4; // PlatformOptions.MaxConcurrentUploads's default, which the fixture keeps
        Assert.Equal(limit, new Platform.Api.PlatformOptions().MaxConcurrentUploads);
        using var stop = new CancellationTokenSource();
        var held = new List<System.Net.Sockets.TcpClient>();
        var trickles = new List<Task>();
        try
        {
            for (int i = 0; i <= limit; i++)
            {
                var socket = new System.Net.Sockets.TcpClient();
                await socket.ConnectAsync(api.BaseAddress.Host, api.BaseAddress.Port);
                held.Add(socket);
                trickles.Add(TrickleUploadAsync(socket.GetStream(), stop.Token));
            }

            // Exactly one of the five is answered (429); the others wait for their bodies and are answered nothing.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            System.Net.Sockets.TcpClient? answered;
            while ((answered = held.FirstOrDefault(h => h.Client.Available > 0)) is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "none of five concurrent uploads was refused within 60 s");
                await Task.Delay(100);
            }
            await Task.Delay(200); // the rest of its response
            var buffer = new byte[8192];
            var response = System.Text.Encoding.ASCII.GetString(buffer, 0, answered.Client.Receive(buffer));
            Assert.StartsWith("HTTP/1.1 429", response);
            Assert.Contains("Retry-After:", response);
            Assert.Contains("application/problem+json", response);
            Assert.DoesNotContain(held, h => !ReferenceEquals(h, answered) && h.Client.Available > 0);

            var refused = await A.PostAsync("/api/checkpoints", Form([1, 2, 3]));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(trickles);
            foreach (var socket in held) socket.Dispose();
        }
        // The held uploads' connections are gone and their permits returned (once Kestrel notices): served again.
        var deadlineServed = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage served;
        while ((served = await A.PostAsync("/api/checkpoints", Form([1, 2, 3]))).StatusCode == HttpStatusCode.TooManyRequests)
        {
            Assert.True(DateTime.UtcNow < deadlineServed, "uploads still refused 60 s after those in progress ended");
            await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.BadRequest, served.StatusCode);
    }

    /// <summary>Sends an upload's headers and the start of its body, then 64 bytes each 100 ms until stopped or refused.</summary>
    private async Task TrickleUploadAsync(Stream stream, CancellationToken stop)
    {
        const string boundary = "held-upload";
        var head = $"POST /api/checkpoints HTTP/1.1\r\nHost: {api.BaseAddress.Authority}\r\n" +
                   $"Authorization: Bearer {api.TeamA.ApiKey}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n" +
                   "Content-Length: 1000000\r\n\r\n" +
                   $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rule.npz\"\r\n" +
                   "Content-Type: application/octet-stream\r\n\r\nPK";
        var chunk = new byte[64];
        try
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), stop);
            while (!stop.IsCancellationRequested) { await stream.WriteAsync(chunk, stop); await Task.Delay(100, stop); }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { } // stopped, or refused and closed
    }

    private static byte[] Write(Dictionary<string, NpyArray> arrays, Action<Dictionary<string, NpyArray>> mutate)
    {
        var copy = new Dictionary<string, NpyArray>(arrays);
        mutate(copy);
        var stream = new MemoryStream();
        Npz.Write(stream, copy);
        return stream.ToArray();
    }

    /// <summary>A small deflated entry whose header claims a 10⁹-element array: a zip bomb in spirit.</summary>
    private static byte[] Bomb()
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry("lstm/linear/b.npy", CompressionLevel.SmallestSize);
            using var s = entry.Open();
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }";
            header = header.PadRight(118) + "\n";
            s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            s.Write(System.Text.Encoding.ASCII.GetBytes(header));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) s.Write(zeros);    // 64 MiB of zeros deflate to ~64 KB
        }
        return stream.ToArray();
    }
}
