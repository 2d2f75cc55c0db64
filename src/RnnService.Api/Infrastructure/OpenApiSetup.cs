using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RnnService.Api.Infrastructure;

/// <summary>Document title, and the X-Api-Key scheme on the endpoints that need it (Swagger UI's Authorize button).</summary>
public static class OpenApiSetup
{
    private const string SchemeName = "ApiKey";

    public static OpenApiOptions Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "RnnService";
            document.Info.Description = "Train small recurrent neural networks (LSTM, GRU, tanh RNN) from scratch and serve them. " +
                "Errors are RFC 7807 ProblemDetails; validation errors name the field by its JSON path.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyEndpointFilter.HeaderName,
                Description = "Needed for training, cancelling, deleting and uploading when Auth:ApiKey is configured.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiresApiKeyMetadata>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [],
                });
            }
            return Task.CompletedTask;
        });
        return options;
    }
}
