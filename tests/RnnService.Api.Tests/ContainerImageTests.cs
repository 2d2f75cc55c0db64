#if !POSTGRES
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace RnnService.Api.Tests;

/// <summary>The image as the Dockerfile builds it, without Docker: the published service, started with exactly
/// the runtime stage's ENV lines (the stage's WORKDIR mapped to a temp folder) as a non-root user, must answer
/// /health on the port the Dockerfile EXPOSEs. Guards against a configuration key (such as a "Urls" entry in the
/// published appsettings.json) outranking ASPNETCORE_URLS, which left the container listening on localhost only.</summary>
public sealed class ContainerImageTests
{
    [Fact]
    public async Task ThePublishedServiceWithTheDockerfileEnvironmentAnswersHealthOnTheExposedPort()
    {
        var root = RepositoryRoot();
        var stage = DockerfileRuntimeStage.Read(Path.Combine(root, "Dockerfile"));
        Assert.True(PortIsFree(stage.ExposedPort), $"Port {stage.ExposedPort} (the Dockerfile's EXPOSE) is in use on this machine.");

        var folder = Directory.CreateTempSubdirectory("rnnservice-image-").FullName;
        try
        {
            var app = Path.Combine(folder, "app");
            // Published from the Debug build this test run already made: what the test guards is configuration (ENV,
            // appsettings, paths), which the build configuration does not change, and a Release compile cost CI a minute.
            Run("dotnet", root, "publish", Path.Combine(root, "src", "RnnService.Api"), "-c", "Debug", "--no-build", "-o", app, "-nologo", "-v", "q");
            Directory.CreateDirectory(Path.Combine(app, "data"));
            var environment = stage.Environment.ToDictionary(e => e.Key, e => e.Value.Replace(stage.WorkDir, app));

            var user = Environment.IsPrivilegedProcess ? "nobody" : null;
            if (user is not null)
            {
                // As the image does: the app is readable by everyone, the data folder belongs to the app user.
                Run("chmod", root, "-R", "a+rX", folder);
                Run("chown", root, "-R", user, Path.Combine(app, "data"));
            }
            var start = new ProcessStartInfo(user is null ? "env" : "runuser") { WorkingDirectory = app, RedirectStandardOutput = true, RedirectStandardError = true };
            if (user is not null) foreach (var a in new[] { "-u", user, "--", "env" }) start.ArgumentList.Add(a);
            start.ArgumentList.Add("-i"); // exactly these variables, nothing inherited from the test run
            start.ArgumentList.Add($"PATH={Environment.GetEnvironmentVariable("PATH")}");
            start.ArgumentList.Add($"HOME={folder}");
            foreach (var (key, value) in environment) start.ArgumentList.Add($"{key}={value}");
            start.ArgumentList.Add("dotnet");
            start.ArgumentList.Add("RnnService.Api.dll");
            using var service = Process.Start(start)!;
            var output = service.StandardOutput.ReadToEndAsync();
            var errors = service.StandardError.ReadToEndAsync();
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow.AddSeconds(60);
                HttpStatusCode? status = null;
                while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && !service.HasExited)
                {
                    try { status = (await http.GetAsync($"http://127.0.0.1:{stage.ExposedPort}/health")).StatusCode; }
                    catch (HttpRequestException) { await Task.Delay(200); }
                }
                Assert.True(status == HttpStatusCode.OK, $"No healthy answer on port {stage.ExposedPort} (got {status}).");
                Assert.True(File.Exists(Path.Combine(app, "data", "rnnservice.db")), "The database is not where the Dockerfile's connection string puts it.");
            }
            finally
            {
                if (!service.HasExited) service.Kill(entireProcessTree: true);
                service.WaitForExit(10_000);
                if (service.ExitCode is not (0 or 137 or -1)) Assert.Fail($"{await output}{await errors}");
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnService.sln"))) return dir.FullName;
        throw new InvalidOperationException("RnnService.sln not found above the test folder.");
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Run(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); Assert.Fail($"{program} did not finish in 5 minutes."); }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {output.Result}{errors.Result}");
    }

    /// <summary>WORKDIR, ENV and EXPOSE of the Dockerfile's last stage (ENV lines may continue with a backslash).</summary>
    private sealed record DockerfileRuntimeStage(string WorkDir, IReadOnlyDictionary<string, string> Environment, int ExposedPort)
    {
        public static DockerfileRuntimeStage Read(string path)
        {
            var text = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            var stage = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))).ToList();
            var workDir = stage.Last(l => l.StartsWith("WORKDIR ", StringComparison.OrdinalIgnoreCase))[8..].Trim();
            var environment = new Dictionary<string, string>();
            foreach (var line in stage.Where(l => l.StartsWith("ENV ", StringComparison.OrdinalIgnoreCase)))
                foreach (Match m in Regex.Matches(line[4..], @"(\w+)=(""[^""]*""|\S+)"))
                    environment[m.Groups[1].Value] = m.Groups[2].Value.Trim('"');
            var port = int.Parse(stage.Last(l => l.StartsWith("EXPOSE ", StringComparison.OrdinalIgnoreCase))[7..].Trim().Split('/')[0]);
            return new(workDir, environment, port);
        }
    }
}
#endif
