using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Amazon.Runtime.Internal.Util;

namespace LeaseManager.StepFunctions;

/// <summary>One of the three task-token operations and its fields (AWS JSON 1.0, target prefix <c>AWSStepFunctions</c>).</summary>
internal sealed class TaskTokenRequest : AmazonWebServiceRequest
{
    public const string SendTaskSuccess = "SendTaskSuccess";
    public const string SendTaskFailure = "SendTaskFailure";
    public const string SendTaskHeartbeat = "SendTaskHeartbeat";

    public required string Operation { get; init; }

    public required string TaskToken { get; init; }

    /// <summary>SendTaskSuccess: the JSON output, sent as a string as the API defines it.</summary>
    public string? Output { get; init; }

    /// <summary>SendTaskFailure: the error name.</summary>
    public string? Error { get; init; }

    /// <summary>SendTaskFailure: the cause.</summary>
    public string? Cause { get; init; }
}

/// <summary>All three operations answer an empty object.</summary>
internal sealed class TaskTokenResponse : AmazonWebServiceResponse;

/// <summary>
/// <c>POST /</c> with <c>Content-Type: application/x-amz-json-1.0</c> and
/// <c>X-Amz-Target: AWSStepFunctions.{Operation}</c>; the body written with Utf8JsonWriter (no
/// reflection, so Native AOT and trimming see everything).
/// </summary>
internal sealed class TaskTokenRequestMarshaller : IMarshaller<IRequest, AmazonWebServiceRequest>
{
    public static readonly TaskTokenRequestMarshaller Instance = new();

    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var request = (TaskTokenRequest)input;
        var wire = new DefaultRequest(request, StepFunctionsClientConfig.SdkServiceId)
        {
            HttpMethod = "POST",
            ResourcePath = "/",
        };
        wire.Headers["Content-Type"] = "application/x-amz-json-1.0";
        wire.Headers["X-Amz-Target"] = "AWSStepFunctions." + request.Operation;
        wire.Headers[Amazon.Util.HeaderKeys.XAmzApiVersion] = "2016-11-23";

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("taskToken", request.TaskToken);
            if (request.Output is not null)
            {
                json.WriteString("output", request.Output);
            }

            if (request.Error is not null)
            {
                json.WriteString("error", request.Error);
            }

            if (request.Cause is not null)
            {
                json.WriteString("cause", request.Cause);
            }

            json.WriteEndObject();
        }

        wire.Content = buffer.ToArray();
        return wire;
    }
}

/// <summary>
/// An empty success; an error answer becomes an <see cref="AmazonServiceException"/> carrying the
/// <c>__type</c> code, which the SDK's retry policy reads (<c>ThrottlingException</c> is a throttling
/// error to it) and <see cref="StepFunctionsTaskClient"/> sorts afterwards.
/// </summary>
internal sealed class TaskTokenResponseUnmarshaller : JsonResponseUnmarshaller
{
    public static readonly TaskTokenResponseUnmarshaller Instance = new();

    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext context) => new TaskTokenResponse();

    public override AmazonServiceException UnmarshallException(JsonUnmarshallerContext context, Exception innerException, HttpStatusCode statusCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reader = new StreamingUtf8JsonReader(context.Stream);
        var error = JsonErrorResponseUnmarshaller.GetInstance().Unmarshall(context, ref reader);
        return new AmazonServiceException(error.Message, innerException, error.Type, error.Code, error.RequestId, statusCode);
    }
}
