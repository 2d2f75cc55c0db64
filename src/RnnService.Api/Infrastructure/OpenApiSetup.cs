using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using RnnService.Api.OpenAi;
using RnnService.Api.Security;

namespace RnnService.Api.Infrastructure;

/// <summary>Shapes the OpenAPI document so it passes `redocly lint` (recommended rules) and tells clients the truth:
/// title, licence and a relative server; the optional API key (X-Api-Key or Bearer) on every operation but the
/// anonymous ones (/health); tag descriptions; and the client errors every endpoint can answer.</summary>
public static class OpenApiSetup
{
    private const string SchemeName = "ApiKey";
    private const string BearerSchemeName = "Bearer";
    private const string ProblemJson = "application/problem+json";

    // The repository has no licence file yet; say so rather than claim one. Change this when one is chosen.
    private const string LicenceName = "No licence granted yet (all rights reserved)";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Jobs"] = "Queue training jobs, follow them epoch by epoch (also as Server-Sent Events) and cancel them.",
        ["Models"] = "Trained models: configuration, final metrics, weights as safetensors, deletion.",
        ["Inference"] = "Use a model: classify or score texts, sample text from a char model. Rate limited per client IP.",
        ["Sweeps"] = "Search settings for a dataset: trials (ordinary jobs) of a search space scheduled by successive halving; the best model is registered.",
        ["Datasets"] = "Built-in and uploaded training data: list, preview, upload, delete.",
        ["Health"] = "Whether the database answers and the training worker is alive.",
        ["OpenAI-compatible"] = "OpenAI's legacy Completions API over the char models (characters for tokens), for OpenAI's clients and " +
            "evaluation harnesses; errors in OpenAI's shape. Limited like Inference.",
    };

    /// <summary>True while the build runs the app to write docs/openapi.json (Microsoft.Extensions.ApiDescription.Server):
    /// then no database is created or migrated and no background service starts.</summary>
    public static bool IsGeneratingAtBuildTime { get; } =
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static OpenApiOptions Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer(RequestSchemas.TransformAsync);
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
            {
                // Either scheme will do: two requirements, one per scheme.
                operation.Security ??= [];
                foreach (var scheme in new[] { SchemeName, BearerSchemeName })
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", Problem(context.Document!,
                    "Unauthorized: API keys are configured and the request has none, or a wrong one."));
            }
            return Task.CompletedTask;
        });
        // Document transformers run after the operation transformers, so this sees every operation.
        options.AddDocumentTransformer((document, _, _) =>
        {
            DescribeDocument(document);
            OpenAiJson.SnakeCaseSchemas(document);
            foreach (var (path, operation) in Operations(document))
            {
                DocumentClientErrors(operation, document);
                if (path.StartsWith(CompletionsApi.Prefix + "/", StringComparison.Ordinal)) InOpenAiShape(operation, document);
            }
            return Task.CompletedTask;
        });
        return options;
    }

    private static void DescribeDocument(OpenApiDocument document)
    {
        document.Info.Title = "RnnService";
        document.Info.Description = "Train small recurrent neural networks (LSTM, GRU, tanh RNN) from scratch and serve them. " +
            "Errors are RFC 7807 ProblemDetails; validation errors name the field by its JSON path. Under /v1 they are OpenAI's " +
            "error, {\"error\": {message, type, param, code}}, param naming the field.";
        document.Info.License = new OpenApiLicense { Name = LicenceName };
        // Relative: the service that served this document, whatever its host and port (5000 by default, 8080 in Docker).
        document.Servers = [new OpenApiServer { Url = "/", Description = "The service that serves this document." }];

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "Needed by every operation but /health when the service has keys (Auth:ApiKey, Auth:Keys); with " +
                "Auth:PublicReads the GETs and the inference POSTs answer without one. Without keys it is ignored.",
        };
        document.Components.SecuritySchemes[BearerSchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The same API key as 'Authorization: Bearer <key>' (what OpenAI clients and Prometheus send).",
        };
        // The empty requirement: /health is open. Every other operation states the key schemes itself.
        document.Security = [new OpenApiSecurityRequirement()];

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;
    }

    /// <summary>Any request body can be too large (RequestBodyLimitMiddleware) or of the wrong media type; an
    /// operation with no specific client error still answers any 4xx as ProblemDetails.</summary>
    private static void DocumentClientErrors(OpenApiOperation operation, OpenApiDocument document)
    {
        operation.Responses ??= [];
        if (operation.RequestBody is not null)
        {
            operation.Responses.TryAdd("413", Problem(document, "Payload too large: the body is over Limits:MaxRequestBodyBytes."));
            operation.Responses.TryAdd("415", Problem(document, "Unsupported media type: the body must be application/json."));
        }
        if (!operation.Responses.Keys.Any(code => code.StartsWith('4')))
            operation.Responses["4XX"] = Problem(document, "Client error. None is specific to this operation; any 4xx (a malformed request) is a ProblemDetails.");
        // In status order, whichever transformer added a response.
        var sorted = operation.Responses.OrderBy(response => response.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (code, response) in sorted) operation.Responses[code] = response;
    }

    /// <summary>/v1 answers every error in OpenAI's shape (<see cref="OpenAiErrorWriter"/>), whichever transformer or endpoint
    /// declared it: each error response is OpenAiError, its description giving the type and code a client can match.</summary>
    private static void InOpenAiShape(OpenApiOperation operation, OpenApiDocument document)
    {
        foreach (var (code, declared) in operation.Responses!.Where(r => r.Key[0] is '4' or '5').ToList())
        {
            int status = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
            var (type, errorCode) = OpenAiErrorWriter.Classify(status, param: status == StatusCodes.Status404NotFound ? "model" : null);
            // An endpoint's Produces gives only the reason phrase; a transformer's response says more (401, 413, 415).
            var reason = declared.Description is { } said && said != ReasonPhrases.GetReasonPhrase(status)
                ? said
                : OpenAiReasons.GetValueOrDefault(status, declared.Description ?? "");
            operation.Responses[code] = new OpenApiResponse
            {
                Description = $"{reason} OpenAI's error: type {type}" + (errorCode is null ? "" : $", code {errorCode}") +
                    (status == StatusCodes.Status400BadRequest ? "; param names the field." : "."),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(OpenAiError), document) },
                },
            };
        }
    }

    private static readonly Dictionary<int, string> OpenAiReasons = new()
    {
        [StatusCodes.Status400BadRequest] = "Invalid request: a field, the JSON, or a sentiment model.",
        [StatusCodes.Status404NotFound] = "No model by that reference.",
        [StatusCodes.Status429TooManyRequests] = "Rate limited (Inference:PermitLimit per Inference:WindowSeconds per client).",
        [StatusCodes.Status503ServiceUnavailable] = "Every inference slot stayed busy; retry after Retry-After.",
        [StatusCodes.Status504GatewayTimeout] = "The request ran past Inference:RequestTimeout.",
    };

    private static OpenApiResponse Problem(OpenApiDocument document, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [ProblemJson] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
        },
    };

    private static IEnumerable<(string Path, OpenApiOperation Operation)> Operations(OpenApiDocument document) =>
        (document.Paths ?? []).SelectMany(path => (path.Value.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()).Select(op => (path.Key, op)));
}
