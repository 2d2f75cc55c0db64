using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace RnnService.Dashboard.Tests;

/// <summary>Small Selenium helpers over the shared driver: navigate, wait, fill, screenshot, read the console.</summary>
public sealed class Browser
{
    private readonly DashboardFixture fixture;

    /// <summary>Each test starts on a blank page with an empty console: the previous test's page stops polling (a
    /// webhook it deleted answered 404 into the next test's console) and its log entries are drained.</summary>
    public Browser(DashboardFixture fixture)
    {
        this.fixture = fixture;
        Driver.Navigate().GoToUrl("about:blank");
        ConsoleErrors();
    }

    public ChromeDriver Driver => fixture.Driver;

    public void Resize(int width, int height) => Driver.Manage().Window.Size = new System.Drawing.Size(width, height);

    /// <summary>Loads the dashboard afresh at a route ("#/jobs") and waits for the page's heading.</summary>
    public void Go(string hash)
    {
        Driver.Navigate().GoToUrl("about:blank"); // a hash change alone would not reload the page
        Driver.Navigate().GoToUrl(new Uri(fixture.BaseAddress, "/" + hash).ToString());
        WaitForPage(hash);
    }

    /// <summary>Waits until the router has drawn a page (after Go, or after a click that changes the hash).</summary>
    public void WaitForPage(string what) =>
        WaitUntil(() => Script("return !document.querySelector('main').hasAttribute('aria-busy') && !!document.querySelector('main h1')") is true,
            $"the page {what} to load");

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public IWebElement Find(string css) => WaitFor(() => Driver.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed), css);

    public IWebElement Element(string css) => Driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> All(string css) => Driver.FindElements(By.CssSelector(css));

    public string Text(string css) => Find(css).Text;

    public void Fill(string css, string value)
    {
        var input = Find(css);
        input.Clear();
        input.SendKeys(value);
    }

    public void Choose(string selectCss, string value) => Find($"{selectCss} option[value=\"{value}\"]").Click();

    public void Click(string css) => Find(css).Click();

    /// <summary>Clicks what the selector finds, finding it again when the page redrew it in between (a live job page
    /// redraws its header on every burst of epochs, the jobs list its rows on every poll).</summary>
    public void ClickLive(string css) => WaitUntil(() =>
    {
        var element = Driver.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed);
        if (element is null) return false;
        element.Click();   // a stale element throws before the click: WaitFor looks again
        return true;
    }, $"a click on {css}");

    public T WaitFor<T>(Func<T?> probe, string what, int seconds = 30)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                var value = probe();
                if (value is not null && value is not false) return value;
            }
            catch (Exception ex) when (ex is WebDriverException or InvalidOperationException)
            {
                last = ex; // stale element while the page redraws: look again
            }
            Thread.Sleep(50);
        }
        Screenshot("timeout-" + new string(what.Where(char.IsLetterOrDigit).Take(40).ToArray()));
        throw new TimeoutException($"Waited {seconds} s for {what}. {last?.Message}");
    }

    public void WaitUntil(Func<bool> condition, string what, int seconds = 30) =>
        WaitFor(() => condition() ? (object)true : null, what, seconds);

    /// <summary>Saves a PNG of the viewport under TestResults/screenshots in the test output folder.</summary>
    public string Screenshot(string name)
    {
        var path = Path.Combine(fixture.ScreenshotFolder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>A screenshot of the whole page: the window grows to the document's height first.</summary>
    public string FullPageScreenshot(string name, int width = 1280)
    {
        var height = Convert.ToInt32(Script("return Math.ceil(document.documentElement.scrollHeight)"));
        Resize(width, Math.Clamp(height + 140, 600, 4000));
        Thread.Sleep(150);
        try { return Screenshot(name); }
        finally { Resize(1280, 900); }
    }

    /// <summary>Fails when the page is wider than the window (a horizontal scroll bar).</summary>
    public void AssertNoSidewaysScroll(string what)
    {
        var overflow = Convert.ToInt64(Script("return document.documentElement.scrollWidth - document.documentElement.clientWidth"));
        Assert.True(overflow <= 0, $"{what} scrolls sideways by {overflow}px at {Driver.Manage().Window.Size.Width}px");
    }

    /// <summary>Console entries at error level since the last call (Chromium's log is drained on read).</summary>
    public IReadOnlyList<LogEntry> ConsoleErrors() =>
        Driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Severe).ToList();

    /// <summary>Fails on any console error, except network errors for answers the test provoked on purpose.</summary>
    public void AssertNoConsoleErrors(params string[] expectedFailures)
    {
        var errors = ConsoleErrors().Where(e => !expectedFailures.Any(f => e.Message.Contains(f, StringComparison.Ordinal))).ToList();
        Assert.True(errors.Count == 0, "Console errors:\n" + string.Join('\n', errors.Select(e => $"{e.Level} {e.Message}")));
    }
}
