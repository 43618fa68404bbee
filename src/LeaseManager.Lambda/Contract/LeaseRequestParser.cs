using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>
/// Turns an invocation payload into a <see cref="LeaseCommand"/>. Unknown fields are ignored (Step
/// Functions payloads grow); a field of the wrong type, a missing required field, a non-object or
/// non-JSON payload is an <see cref="InvalidRequestException"/> raised before anything is written.
/// </summary>
public static partial class LeaseRequestParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static LeaseCommand Parse(ReadOnlyMemory<byte> payload)
    {
        // Lambda hands the event over as bytes; Step Functions always sends UTF-8 JSON. Anything else
        // is answered before it can reach a string conversion deep inside the parse.
        if (!System.Text.Unicode.Utf8.IsValid(payload.Span))
        {
            throw new InvalidRequestException("The event is not valid UTF-8 text.");
        }

        try
        {
            return ParseDocument(payload);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json refuses to decode some valid JSON as .NET text (an escaped lone
            // surrogate such as "\ud800"): the request cannot be read, so it is the caller's.
            throw new InvalidRequestException($"The event cannot be decoded: {e.Message}");
        }
    }

    private static LeaseCommand ParseDocument(ReadOnlyMemory<byte> payload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"The event is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidRequestException($"The event must be a JSON object; got {Describe(root.ValueKind)}.");
            }

            if (!root.TryGetProperty("action", out _) && root.TryGetProperty("detail-type", out _))
            {
                return ParseExecutionEvent(root);
            }

            var action = OptionalString(root, "action")
                ?? throw new InvalidRequestException($"The event needs \"action\": one of {Actions}.");
            return action switch
            {
                "acquire" => ParseAcquire(root),
                "release" => new ReleaseCommand(RequiredLeaseId(root)),
                "renew" => new RenewCommand(RequiredLeaseId(root), OptionalDuration(root)),
                "reclaim" => new ReclaimCommand(RequiredOwner(root)),
                "wait" => ParseWait(root),
                "sweep" => new SweepCommand(),
                "status" => ParseStatus(root),
                "force_release" => ParseForceRelease(root),
                "set_limit" => ParseSetLimit(root),
                _ => throw new InvalidRequestException($"Unknown action '{Truncate(action)}'; expected one of {Actions}."),
            };
        }
    }

    /// <summary>Statuses after which an execution runs no more states: whatever it holds is a leak.</summary>
    public static readonly IReadOnlySet<string> EndedStatuses = new HashSet<string>(StringComparer.Ordinal) { "FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED" };

    private const string Actions = "\"acquire\", \"release\", \"renew\", \"reclaim\", \"wait\", \"sweep\" (and, on the admin function, \"status\", \"force_release\", \"set_limit\")";
    private const string ExecutionStatusChange = "Step Functions Execution Status Change";

    /// <summary>An EventBridge event from Step Functions (source aws.states) about one execution.</summary>
    private static LeaseCommand ParseExecutionEvent(JsonElement root)
    {
        var source = OptionalString(root, "source");
        var detailType = OptionalString(root, "detail-type");
        if (source != "aws.states" || detailType != ExecutionStatusChange)
        {
            throw new InvalidRequestException(
                $"Unsupported EventBridge event (source '{Truncate(source ?? "")}', detail-type '{Truncate(detailType ?? "")}'); expected aws.states \"{ExecutionStatusChange}\".");
        }

        if (!root.TryGetProperty("detail", out var detail) || detail.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException("The execution status event has no \"detail\" object.");
        }

        var executionArn = OptionalString(detail, "executionArn");
        if (string.IsNullOrEmpty(executionArn) || !executionArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new InvalidRequestException("The execution status event needs \"detail.executionArn\" (an execution ARN).");
        }

        LeaseRequestLimits.CheckOwner(executionArn, null);
        var status = OptionalString(detail, "status")
            ?? throw new InvalidRequestException("The execution status event needs \"detail.status\".");
        if (!EndedStatuses.Contains(status))
        {
            return new IgnoredEventCommand(executionArn, status);
        }

        long? stoppedAt = null;
        if (detail.TryGetProperty("stopDate", out var stop) && stop.ValueKind == JsonValueKind.Number && stop.TryGetInt64(out var ms) && ms > 0)
        {
            stoppedAt = ms;
        }

        return new ReclaimCommand(executionArn, status, stoppedAt);
    }

    private static string RequiredOwner(JsonElement root)
    {
        var owner = OptionalString(root, "owner_id") ?? throw new InvalidRequestException("\"reclaim\" needs \"owner_id\": the execution id whose leases to release.");
        LeaseRequestLimits.CheckOwner(owner, null);
        return owner;
    }

    private static AcquireCommand ParseAcquire(JsonElement root)
    {
        var ownerId = OptionalString(root, "owner_id");
        var resourceId = OptionalResourceId(root);
        LeaseRequestLimits.CheckOwner(ownerId, resourceId);
        return new AcquireCommand(new AcquireRequest(
            ownerId,
            resourceId,
            OptionalDuration(root),
            OptionalBool(root, "fail_if_unavailable") ?? false,
            OptionalAttempt(root),
            ConcurrencyKey: OptionalConcurrencyKey(root)));
    }

    /// <summary>The callback strategy's queueing call: a task token, an owner, and the acquire's fields.</summary>
    private static WaitCommand ParseWait(JsonElement root)
    {
        var token = OptionalString(root, "task_token");
        if (string.IsNullOrEmpty(token))
        {
            throw new InvalidRequestException("\"wait\" needs \"task_token\" (a non-empty string: $$.Task.Token).");
        }

        var ownerId = OptionalString(root, "owner_id") ?? throw new InvalidRequestException("\"wait\" needs \"owner_id\" (the execution id).");
        var resourceId = OptionalResourceId(root);
        LeaseRequestLimits.CheckOwner(ownerId, resourceId);
        var priority = OptionalPriority(root);
        LeaseRequestLimits.CheckWaiter(token, priority);
        return new WaitCommand(new WaitRequest(token, ownerId, resourceId, OptionalDuration(root), priority, ConcurrencyKey: OptionalConcurrencyKey(root)));
    }

    /// <summary>The key a lease also counts against: a string (a tenant, a customer, an event id), checked for length here.</summary>
    private static string? OptionalConcurrencyKey(JsonElement root)
    {
        var key = OptionalString(root, "concurrency_key");
        LeaseRequestLimits.CheckConcurrencyKey(key);
        return key;
    }

    private static int OptionalPriority(JsonElement root)
    {
        if (!root.TryGetProperty("priority", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var priority) || priority is < 0 or > LeaseRequestLimits.MaxPriority)
        {
            throw new InvalidRequestException($"\"priority\" must be a whole number from 0 to {LeaseRequestLimits.MaxPriority}; got {Describe(value)}.");
        }

        return priority;
    }

    private static string RequiredLeaseId(JsonElement root)
    {
        var id = OptionalString(root, "lease_id") ?? throw new InvalidRequestException("The event needs \"lease_id\" (a string).");
        return LeaseRequestLimits.CheckLeaseId(id);
    }

    private static int? OptionalDuration(JsonElement root)
    {
        if (!root.TryGetProperty("lease_duration_seconds", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var seconds))
        {
            throw new InvalidRequestException(
                $"\"lease_duration_seconds\" must be a whole number of seconds; got {Describe(value)}.");
        }

        if (seconds < 1)
        {
            throw new InvalidRequestException($"\"lease_duration_seconds\" must be at least 1; got {seconds}.");
        }

        return seconds;
    }

    private static int? OptionalAttempt(JsonElement root)
    {
        if (!root.TryGetProperty("attempt", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var attempt) || attempt < 0)
        {
            throw new InvalidRequestException($"\"attempt\" must be a whole number from 0 ($$.State.RetryCount); got {Describe(value)}.");
        }

        return attempt;
    }

    /// <summary>
    /// A resource id is a string or a JSON number: job ids are often numbers in execution input, and
    /// "resource_id.$" passes them on as numbers. A number names the resource by its exact JSON text,
    /// so 42 and "42" are the same resource (42.0 and 4.2e1 are other ones).
    /// </summary>
    private static string? OptionalResourceId(JsonElement root)
    {
        if (!root.TryGetProperty("resource_id", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new InvalidRequestException($"\"resource_id\" must be a string or a number; got {Describe(value)}."),
        };
    }

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidRequestException($"\"{name}\" must be a string; got {Describe(value)}.");
    }

    private static bool? OptionalBool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidRequestException($"\"{name}\" must be true or false; got {Describe(value)}."),
        };
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number or JsonValueKind.String => $"{Describe(value.ValueKind)} {Truncate(value.GetRawText())}",
        _ => Describe(value.ValueKind),
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string text) => text.Length > 64 ? text[..64] + "..." : text;
}
