using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace RnnService.Api.Tests;

/// <summary>A client generated from the committed docs/openapi.json by Kiota (the local tool pinned in
/// .config/dotnet-tools.json) compiles with the walk-through in GeneratedClient/Walkthrough.cs and runs it against the
/// service on Kestrel: a document that stops describing what the service does breaks the build or the run.</summary>
public sealed class GeneratedClientTests
{
    // The Kiota packages' versions come from the repository's Directory.Packages.props (given to the build), as every other package's.
    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <NoWarn>$(NoWarn);CS1591;CS0618</NoWarn>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Microsoft.Kiota.Abstractions" />
            <PackageReference Include="Microsoft.Kiota.Http.HttpClientLibrary" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Json" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Text" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Form" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Multipart" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public async Task AClientGeneratedFromTheCommittedDocumentRunsTheWalkThroughWithTypedResults()
    {
        var folder = Directory.CreateTempSubdirectory("rnnservice-kiota-").FullName;
        try
        {
            Run("dotnet", Repository.Root, [], "tool", "restore");
            // Kiota asks GitHub for a newer version unless it did within the hour; a fresh timestamp in its own temp folder
            // keeps the test off the network (there is no setting for it that the generate command reads).
            var kiotaTemp = Directory.CreateDirectory(Path.Combine(folder, "tmp", "kiota", "update")).FullName;
            await File.WriteAllTextAsync(Path.Combine(kiotaTemp, "timestamp.txt"), DateTimeOffset.UtcNow.ToString("o"));
            Run("dotnet", Repository.Root, [("TMPDIR", Path.Combine(folder, "tmp")), ("KIOTA_CLI_TELEMETRY_OPTOUT", "true")],
                "tool", "run", "kiota", "--", "generate", "--language", "CSharp", "--openapi", Path.Combine(Repository.Root, "docs", "openapi.json"),
                "--output", Path.Combine(folder, "Client"), "--class-name", "RnnClient", "--namespace-name", "Rnn.Client",
                "--exclude-backward-compatible", "--log-level", "Warning");
            await File.WriteAllTextAsync(Path.Combine(folder, "Walkthrough.csproj"), Project);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "GeneratedClient", "Walkthrough.cs"), Path.Combine(folder, "Walkthrough.cs"));
            Run("dotnet", folder, [], "build", "--nologo", "-v", "quiet", "-o", Path.Combine(folder, "out"), "-p:ManagePackageVersionsCentrally=true",
                $"-p:DirectoryPackagesPropsPath={Path.Combine(Repository.Root, "Directory.Packages.props")}");

            await using var factory = new RnnServiceFactory();
            factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var output = Run("dotnet", folder, [], Path.Combine(folder, "out", "Walkthrough.dll"), address);
            Assert.Contains("walk-through passed: job", output);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static string Run(string program, string workingDirectory, (string Name, string Value)[] environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish in 5 minutes."); }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {output.Result}{errors.Result}");
        return output.Result;
    }
}
