// The README walk-through through the client Kiota generates from docs/openapi.json. GeneratedClientTests builds this
// beside the generated code and runs it against a service on Kestrel (args[0]). The declared types are the point: each
// assignment compiles only while the document gives its operation that one success schema.
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Rnn.Client;
using Rnn.Client.Models;

var client = new RnnClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider()) { BaseUrl = args[0] });

JobResponse queued = (await client.Train.PostAsync(new TrainRequest
{
    Task = TaskKind.Charlm,
    Dataset = "us-names",
    Name = "names",
    Hyperparameters = new HyperparametersRequest { HiddenSize = 16, EmbeddingSize = 8, Epochs = 2 },
}))!;
Check(queued.Status == JobStatus.Queued && queued.Id is not null, $"POST /train gave {queued.Status} {queued.Id}");

var deadline = DateTime.UtcNow.AddSeconds(120);
JobResponse job = queued;
while (job.Status is JobStatus.Queued or JobStatus.Running && DateTime.UtcNow < deadline)
{
    await Task.Delay(100);
    job = (await client.Jobs[queued.Id!.Value].GetAsync())!;
}
Check(job.Status == JobStatus.Succeeded, $"the job ended {job.Status}: {job.Error}");
Check(job.Progress?.Epoch == 2 && job.BestEpoch is 1 or 2, $"progress {job.Progress?.Epoch}, best epoch {job.BestEpoch}");
Check(job.LatestMetrics?.Perplexity > 1, $"perplexity {job.LatestMetrics?.Perplexity}");

PredictResponse predicted = (await client.Predict.PostAsync(new PredictRequest { Model = "names", Text = "anna" }))!;
Check(predicted.ModelId == job.ModelId && predicted.Predictions?.Single().Perplexity > 1, $"/predict: {predicted.Predictions?.Single().Perplexity}");

GenerateResponse generated = (await client.Generate.PostAsync(new GenerateRequest { Model = "names", Count = 3, Seed = 5 }))!;
Check(generated.Samples?.Count == 3 && generated.Seed == 5, $"/generate: {string.Join(", ", generated.Samples ?? [])}");

ModelAliasResponse alias = (await client.Models["names"].Aliases["production"].PutAsync(new SetAliasRequest { Version = 1 }))!;
Check(alias.ModelId == job.ModelId, $"the alias points at {alias.ModelId}");

// Errors come back as the documented ProblemDetails types, with their fields.
try
{
    await client.Train.PostAsync(new TrainRequest { Task = TaskKind.Charlm });
    Check(false, "POST /train without a dataset succeeded");
}
catch (HttpValidationProblemDetails problem)
{
    Check(problem.ResponseStatusCode == 400 && problem.Errors?.AdditionalData.ContainsKey("dataset") == true, $"the 400 names {problem.Errors?.AdditionalData.Keys.FirstOrDefault()}");
}
try
{
    await client.Jobs[Guid.NewGuid()].GetAsync();
    Check(false, "GET /jobs/{unknown id} succeeded");
}
catch (ProblemDetails problem)
{
    Check(problem.ResponseStatusCode == 404 && problem.Status == 404 && !string.IsNullOrEmpty(problem.Title), $"the 404 is {problem.Status} {problem.Title}");
}

Console.WriteLine($"walk-through passed: job {job.Id} {job.Status} at epoch {job.Progress!.Epoch}, samples {string.Join(", ", generated.Samples!)}");

static void Check(bool condition, string what)
{
    if (!condition) throw new InvalidOperationException("Walk-through check failed: " + what);
}
