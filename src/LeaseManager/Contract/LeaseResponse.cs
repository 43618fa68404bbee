using System.Text.Json.Serialization;

namespace LeaseManager.Contract;

/// <summary>The function's answer (DESIGN §4). Absent fields are omitted, never null.</summary>
public sealed record LeaseResponse
{
    public const string Acquired = "acquired";
    public const string Wait = "wait";
    public const string ReleasedStatus = "released";
    public const string Renewed = "renewed";

    public required string Status { get; init; }

    public string? LeaseId { get; init; }

    public long? LeaseExpiresAt { get; init; }

    public int? CurrentRunning { get; init; }

    public int? MaxConcurrentLeases { get; init; }

    public bool? Released { get; init; }
}

/// <summary>Error document the Runtime API expects on <c>/error</c> and <c>/init/error</c>.</summary>
public sealed record ErrorResponse(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LeaseResponse))]
internal sealed partial class ContractJson : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class RuntimeErrorJson : JsonSerializerContext;
