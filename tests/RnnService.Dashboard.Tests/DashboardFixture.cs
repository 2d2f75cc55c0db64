using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace RnnService.Dashboard.Tests;

/// <summary>The service on a real Kestrel port (the browser needs a socket) over its own SQLite file.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public DashboardFactory(Dictionary<string, string?>? settings = null)
    {
        _settings = settings ?? [];
        Folder = Directory.CreateTempSubdirectory("rnnservice-dashboard-").FullName;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public string Folder { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:RnnService", $"Data Source={Path.Combine(Folder, "rnnservice.db")}");
        builder.UseSetting("Worker:PollInterval", "00:00:00.100");
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true"); // the webhook test's receiver is on loopback
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One service and one headless Chromium shared by the dashboard tests (starting either takes seconds).
/// A derived fixture may give the service an Auth:ApiKey, which <see cref="Http"/> then sends.</summary>
public class DashboardFixture : IAsyncLifetime
{
    private readonly string? _apiKey;

    public DashboardFixture() : this(null) { }

    protected DashboardFixture(string? apiKey)
    {
        _apiKey = apiKey;
        Factory = new(apiKey is null ? null : new() { ["Auth:ApiKey"] = apiKey });
    }

    public DashboardFactory Factory { get; }
    public ChromeDriver Driver { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
    private string _profile = "";

    public Task InitializeAsync()
    {
        Factory.StartServer();
        BaseAddress = Factory.Address;
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (_apiKey is not null) Http.DefaultRequestHeaders.Add("X-Api-Key", _apiKey);
        Directory.CreateDirectory(ScreenshotFolder);

        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        var chromedriver = Environment.GetEnvironmentVariable("CHROMEDRIVER_PATH") ?? "/usr/bin/chromedriver";
        if (!File.Exists(chromium) || !File.Exists(chromedriver))
            throw new InvalidOperationException($"The dashboard tests need Chromium ({chromium}) and ChromeDriver ({chromedriver}): " +
                "apt-get install -y chromium chromium-driver (.ci/run does it), or set CHROMIUM_PATH and CHROMEDRIVER_PATH.");

        _profile = Directory.CreateTempSubdirectory("rnnservice-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--window-size=1280,900", $"--user-data-dir={_profile}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);

        // The tests assert an empty console: make sure this browser's console really reaches them.
        Driver.Navigate().GoToUrl(BaseAddress.ToString());
        Driver.ExecuteScript("console.error('console probe')");
        var probe = Driver.Manage().Logs.GetLog(LogType.Browser);
        if (!probe.Any(e => e.Level == LogLevel.Severe && e.Message.Contains("console probe")))
            throw new InvalidOperationException("Chromium's console log is not readable through ChromeDriver; the no-console-error checks would be blind.");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Driver?.Quit();
        Driver?.Dispose();
        Http?.Dispose();
        await Factory.DisposeAsync();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Starts a job through the API (for tests about what comes after training) and waits for its model.</summary>
    public async Task<(Guid JobId, Guid ModelId)> TrainAsync(object request, int seconds = 60)
    {
        var response = await Http.PostAsJsonAsync("/train", request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await Http.GetFromJsonAsync<JsonElement>($"/jobs/{id}");
            var status = job.GetProperty("status").GetString();
            if (status == "succeeded") return (id, job.GetProperty("modelId").GetGuid());
            Assert.True(status is "queued" or "running", $"Job {id} ended {status}: {job}");
            Assert.True(DateTime.UtcNow < deadline, $"Job {id} still {status} after {seconds} s");
            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard";
}

/// <summary>A second service, with an API key, for the tests of the dashboard under a key.</summary>
public sealed class KeyedDashboardFixture() : DashboardFixture(Key)
{
    public const string Key = "dashboard-key-1";
}
