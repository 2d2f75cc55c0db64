namespace RnnService.Api.Tests;

/// <summary>The repository the tests run from: its README, docs/openapi.json and Directory.Packages.props.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "RnnService.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("No RnnService.sln above " + AppContext.BaseDirectory);
    }
}
