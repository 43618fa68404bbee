using System.Text.Json.Serialization;

namespace LeaseManager.Contract;

/// <summary>
/// The function's answer (DESIGN §4). Each action's answer has a fixed set of keys (a value that does
/// not apply is <c>null</c>), so a Step Functions <c>ResultSelector</c> can name every key without
/// failing on a missing path.
/// </summary>
public sealed record LeaseResponse
{
    public const string Acquired = "acquired";
    public const string Wait = "wait";
    public const string ReleasedStatus = "released";
    public const string Renewed = "renewed";
    public const string Reclaimed = "reclaimed";
    public const string Ignored = "ignored";

    public required string Status { get; init; }

    public string? LeaseId { get; init; }

    public long? LeaseExpiresAt { get; init; }

    public int? CurrentRunning { get; init; }

    public int? MaxConcurrentLeases { get; init; }

    public bool? Released { get; init; }

    /// <summary>Reclaim: the ended execution whose leases were released.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Reclaim: the execution's status from the event (FAILED, TIMED_OUT, ABORTED, ...).</summary>
    public string? ExecutionStatus { get; init; }

    /// <summary>Reclaim: the lease ids released.</summary>
    public IReadOnlyList<string>? LeaseIds { get; init; }

    /// <summary>Reclaim: how many times the pool was swept (2 when it waited for late acquires).</summary>
    public int? Sweeps { get; init; }
}

/// <summary>Error document the Runtime API expects on <c>/error</c> and <c>/init/error</c>.</summary>
public sealed record ErrorResponse(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace);

internal sealed record AcquireAnswer(string Status, string? LeaseId, long? LeaseExpiresAt, int? CurrentRunning, int? MaxConcurrentLeases);

internal sealed record ReleaseAnswer(string Status, string? LeaseId, bool? Released);

internal sealed record RenewAnswer(string Status, string? LeaseId, long? LeaseExpiresAt);

internal sealed record ReclaimAnswer(string Status, string? OwnerId, string? ExecutionStatus, int ReleasedCount, IReadOnlyList<string> LeaseIds, int Sweeps);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AcquireAnswer))]
[JsonSerializable(typeof(ReleaseAnswer))]
[JsonSerializable(typeof(RenewAnswer))]
[JsonSerializable(typeof(ReclaimAnswer))]
internal sealed partial class ContractJson : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class RuntimeErrorJson : JsonSerializerContext;
