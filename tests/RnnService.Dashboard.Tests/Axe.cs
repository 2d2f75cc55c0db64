using System.Text.Json;
using Deque.AxeCore.Commons;

namespace RnnService.Dashboard.Tests;

/// <summary>Runs axe-core (the script bundled with Deque.AxeCore.Commons) on the page as it is and fails on any violation.</summary>
internal static class Axe
{
    private static readonly string Script = new BundledAxeScriptProvider().GetScript();

    public static void AssertAccessible(this Browser b, string what)
    {
        if (b.Script("return typeof window.axe") is not "object") b.Script(Script);
        b.Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(30);
        var json = (string)b.Driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(JSON.stringify(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`))))
              .catch(e => done(JSON.stringify([`axe failed: ${e}`])));
            """)!;
        var violations = JsonSerializer.Deserialize<string[]>(json)!;
        Assert.True(violations.Length == 0, $"axe on {what}:\n{string.Join('\n', violations)}");
    }
}
