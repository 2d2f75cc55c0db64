using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RnnService.Api.Tests;

/// <summary>A throw-away PostgreSQL server from Debian's postgresql package: initdb into a temp folder (as the
/// postgres user when the tests run as root, since initdb refuses root), listening on a free loopback port only,
/// removed when the test process exits, however it exits. No Docker.</summary>
public sealed class PostgresCluster : IDisposable
{
    private static readonly Lazy<PostgresCluster> SharedCluster = new(() =>
    {
        var cluster = new PostgresCluster();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return cluster;
    });

    private readonly string _bin;
    private readonly string _data;
    private bool _disposed;

    /// <summary>One cluster for the whole test run; each test makes its own database in it.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    public string Folder { get; }
    public int Port { get; }

    public PostgresCluster() : this(Environment.ProcessId) { }

    /// <param name="watchedProcessId">The process whose end stops the server and removes its folder.</param>
    internal PostgresCluster(int watchedProcessId)
    {
        _bin = FindBinaries();
        Folder = Directory.CreateTempSubdirectory("rnnservice-pg-").FullName;
        _data = Path.Combine(Folder, "data");
        if (Environment.IsPrivilegedProcess) Run("chown", "postgres:postgres", Folder);
        RunAsOwner(Path.Combine(_bin, "initdb"), "-D", _data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync");
        Port = FreePort();
        Start();
        StartWatchdog(watchedProcessId);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=30";

    /// <summary>Starts the server (again) and waits until it takes connections.</summary>
    public void Start() => RunAsOwner(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        "start");

    /// <summary>Stops the server (fast shutdown: open connections are cut, as in an outage).</summary>
    public void Stop() => RunAsOwner(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-m", "fast", "-w", "-t", "60", "stop");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { RunAsOwner(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-m", "immediate", "-w", "stop"); } catch (InvalidOperationException) { }
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A shell outside this process's tree that stops the server and removes the folder once the watched process
    /// has gone. The test host's ProcessExit handler cannot be relied on for that: VSTest ends the host before a
    /// pg_ctl stop and a delete of a few GB finish, and a killed host runs no handler. Each leftover cluster held
    /// about 3 GB (one database per test) until the disk filled.</summary>
    private void StartWatchdog(int watchedProcessId)
    {
        var stop = Environment.IsPrivilegedProcess ? "runuser -u postgres -- \"$3\"" : "\"$3\"";
        var script = $"while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; {stop} -D \"$2/data\" -m immediate -w stop; rm -rf \"$2\"";
        // The outer sh starts the loop in its own session and exits at once, so the loop belongs to init, not to us.
        Run("sh", "-c", "setsid sh -c \"$0\" watchdog \"$1\" \"$2\" \"$3\" </dev/null >/dev/null 2>&1 &",
            script, watchedProcessId.ToString(), Folder, Path.Combine(_bin, "pg_ctl"));
    }

    /// <summary>The newest /usr/lib/postgresql/&lt;version&gt;/bin, or POSTGRES_BIN.</summary>
    private static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("POSTGRES_BIN");
        if (!string.IsNullOrEmpty(configured)) return configured;
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL's server binaries were not found under /usr/lib/postgresql/<version>/bin. Install Debian's postgresql " +
            "package (.ci/run does) or set POSTGRES_BIN.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAsOwner(string program, params string[] arguments)
    {
        if (Environment.IsPrivilegedProcess) Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        else Run(program, arguments);
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish in 120 s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.Result}{error.Result}");
    }
}
