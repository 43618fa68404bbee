using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>
/// Turns an invocation payload into a <see cref="LeaseCommand"/>. Unknown fields are ignored (Step
/// Functions payloads grow); a field of the wrong type, a missing required field, a non-object or
/// non-JSON payload is an <see cref="InvalidRequestException"/> raised before anything is written.
/// </summary>
public static class LeaseRequestParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static LeaseCommand Parse(ReadOnlyMemory<byte> payload)
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

            var action = OptionalString(root, "action")
                ?? throw new InvalidRequestException("The event needs \"action\": one of \"acquire\", \"release\", \"renew\".");
            return action switch
            {
                "acquire" => ParseAcquire(root),
                "release" => new ReleaseCommand(RequiredLeaseId(root)),
                "renew" => new RenewCommand(RequiredLeaseId(root), OptionalDuration(root)),
                _ => throw new InvalidRequestException(
                    $"Unknown action '{Truncate(action)}'; expected one of \"acquire\", \"release\", \"renew\"."),
            };
        }
    }

    private static AcquireCommand ParseAcquire(JsonElement root)
    {
        var ownerId = OptionalString(root, "owner_id");
        var resourceId = OptionalString(root, "resource_id");
        RequestLimits.CheckOwner(ownerId, resourceId);
        return new AcquireCommand(new AcquireRequest(
            ownerId,
            resourceId,
            OptionalDuration(root),
            OptionalBool(root, "fail_if_unavailable") ?? false,
            OptionalAttempt(root)));
    }

    private static string RequiredLeaseId(JsonElement root)
    {
        var id = OptionalString(root, "lease_id") ?? throw new InvalidRequestException("The event needs \"lease_id\" (a string).");
        return RequestLimits.ParseLeaseId(id).ToString();
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
