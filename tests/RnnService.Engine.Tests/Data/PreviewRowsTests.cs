using RnnService.Engine.Data;
using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Data;

public sealed class PreviewRowsTests
{
    [Fact]
    public void ACsvCutInsideAQuotedFieldGivesTheRecordsBeforeIt()
    {
        var start = "text,label\n\"great, truly\",1\nawful,0\n\"a long review\nthat goes on";

        var rows = PreviewRows.FirstRows(TaskKind.Sentiment, "csv", start, complete: false, rows: 10, maxText: 200);

        Assert.Equal([new PreviewRow("great, truly", 1), new PreviewRow("awful", 0)], rows);
    }

    [Fact]
    public void APartialJsonLinesOrTextContentLeavesOutItsUnfinishedLastLine()
    {
        var jsonl = "{\"text\": \"so good\", \"label\": 1}\n{\"text\": \"so b";
        var text = "anna\r\n\r\nbob\ncarl";

        Assert.Equal([new PreviewRow("so good", 1)], PreviewRows.FirstRows(TaskKind.Sentiment, "jsonl", jsonl, false, 10, 200));
        Assert.Equal(["anna", "bob"], PreviewRows.FirstRows(TaskKind.CharLm, "text", text, false, 10, 200).Select(r => r.Text));
        Assert.Equal(["anna", "bob", "carl"], PreviewRows.FirstRows(TaskKind.CharLm, "text", text, true, 10, 200).Select(r => r.Text));
    }

    [Fact]
    public void RowsAreCountedAndCutAndALineLongerThanThePartialContentIsStillShown()
    {
        var longLine = new string('x', 500);

        var rows = PreviewRows.FirstRows(TaskKind.CharLm, "text", longLine, complete: false, rows: 3, maxText: 200);

        Assert.Equal(new string('x', 200), Assert.Single(rows).Text);
        Assert.Equal(["a", "b"], PreviewRows.FirstRows(TaskKind.CharLm, "text", "a\nb\nc\n", true, 2, 200).Select(r => r.Text));
    }
}
