namespace RnnService.Dashboard.Tests;

/// <summary>Steps on the dashboard's training form (#/train) that several tests take.</summary>
internal static class TrainForm
{
    /// <summary>Picks the task, waits until the form has loaded that task's datasets, then picks the dataset.</summary>
    public static void ChooseTaskAndDataset(this Browser b, string task, string dataset)
    {
        b.Choose("#f-task", task);
        b.WaitUntil(() => b.All($"#f-dataset option[value='{dataset}']").Count == 1, $"the {task} dataset {dataset} in the form");
        b.Choose("#f-dataset", dataset);
    }
}
