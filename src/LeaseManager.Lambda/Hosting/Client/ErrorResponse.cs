using System.Text.Json.Serialization;

namespace LeaseManager.Hosting.Client;

/// <summary>Error document the Runtime API expects on <c>/error</c> and <c>/init/error</c>.</summary>
public sealed record ErrorResponse(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class RuntimeErrorJson : JsonSerializerContext;
