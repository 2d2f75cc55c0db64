using System.ComponentModel.DataAnnotations;

namespace RnnService.Api.Webhooks;

/// <summary>POST /webhooks: where to send which events.</summary>
/// <example>{"url": "https://hooks.example.com/rnn", "events": ["job.succeeded", "job.failed"], "description": "CI"}</example>
/// <param name="Url">An absolute http or https URL the events are POSTed to.</param>
/// <param name="Events">The event types wanted, at least one (job.succeeded, job.failed, model.created, ...).</param>
/// <param name="Description">A note for people, at most 500 characters.</param>
public sealed record CreateWebhookRequest([property: Required] string? Url, [property: Required] IReadOnlyList<string>? Events, string? Description);

/// <summary>PATCH /webhooks/{id}: what is given changes, what is omitted stays.</summary>
/// <example>{"enabled": true}</example>
/// <param name="Url">A new absolute http or https URL.</param>
/// <param name="Events">The new list of event types, at least one.</param>
/// <param name="Description">A new note, at most 500 characters.</param>
/// <param name="Enabled">false pauses deliveries; true resumes them and clears the failure count and the disabled reason.</param>
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

/// <summary>The checks of a webhook's fields, each naming the field as the request spells it.</summary>
public static class WebhookRules
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 500;

    /// <summary>The events as stored (known, each once, in the order given), or the errors by field.</summary>
    public static (string? Events, Dictionary<string, string[]> Errors) CheckEvents(IReadOnlyList<string>? events)
    {
        var errors = new Dictionary<string, string[]>();
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Required: at least one of {string.Join(", ", WebhookEventTypes.All.Select(e => e.Type))}."];
            return (null, errors);
        }
        for (var i = 0; i < events.Count; i++)
            if (events[i] is not { } type || !WebhookEventTypes.IsKnown(type))
                errors[$"events[{i}]"] = [$"Unknown event '{events[i]}'; known: {string.Join(", ", WebhookEventTypes.All.Select(e => e.Type))}."];
        return errors.Count > 0 ? (null, errors) : (string.Join(' ', events.Distinct()), errors);
    }

    public static string? DescriptionProblem(string? description) =>
        description is { Length: > MaxDescriptionLength } ? $"At most {MaxDescriptionLength} characters." : null;
}
