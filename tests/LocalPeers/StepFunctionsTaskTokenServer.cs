using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LocalPeers;

/// <summary>
/// The task-token part of the Step Functions API on loopback, as the API reference defines it:
/// <c>POST /</c>, AWS JSON 1.0, <c>X-Amz-Target: AWSStepFunctions.SendTaskSuccess</c> /
/// <c>SendTaskFailure</c> / <c>SendTaskHeartbeat</c>, <c>{}</c> on success and
/// <c>{"__type":…,"message":…}</c> with HTTP 400 on error. Requests must carry a SigV4
/// <c>Authorization</c> header scoped to service <c>states</c>; given the callers' secret keys, the
/// endpoint also recomputes the signature and rejects a mismatch as AWS does.
/// A control API under <c>/local/</c> plays the Step Functions side of a waiting Task (see
/// <see cref="TaskTokenControl"/>): register a token, await its outcome, expire or forget it,
/// inject faults, read every call.
/// </summary>
public sealed partial class StepFunctionsTaskTokenServer : LoopbackHttpServer
{
    /// <summary>SendTaskSuccess's output limit: 256 KiB of UTF-8.</summary>
    public const int MaxOutputBytes = 262_144;

    /// <summary>The API reference's task token length limit.</summary>
    public const int MaxTokenLength = 2048;

    public const int MaxErrorLength = 256;

    public const int MaxCauseLength = 32_768;

    private readonly ConcurrentDictionary<string, WaitingTask> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Type, int Status)> _faults = new();
    private readonly ConcurrentQueue<TaskTokenCall> _calls = new();
    private readonly IReadOnlyDictionary<string, string>? _secretAccessKeys;

    /// <param name="port">0 for a free port.</param>
    /// <param name="secretAccessKeys">Access key id → secret: when given, signatures are verified and other keys refused.</param>
    public StepFunctionsTaskTokenServer(int port = 0, IReadOnlyDictionary<string, string>? secretAccessKeys = null)
        : base(port)
    {
        _secretAccessKeys = secretAccessKeys;
        StartServing();
    }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every call of the three actions, in arrival order, with what it was answered.</summary>
    public IReadOnlyList<TaskTokenCall> Calls => [.. _calls];

    /// <summary>Registers a waiting Task: its token is valid until completed, timed out or expired.</summary>
    public WaitingTask Register(string token, double? timeoutSeconds = null, double? heartbeatSeconds = null)
    {
        var task = new WaitingTask(token, timeoutSeconds, heartbeatSeconds);
        if (!_tasks.TryAdd(token, task))
        {
            throw new InvalidOperationException($"token {token} is already registered");
        }

        return task;
    }

    /// <summary>The task's execution ended or it timed out: later calls answer TaskTimedOut (or TaskDoesNotExist).</summary>
    public void Expire(string token, string answer = "TaskTimedOut") => _tasks[token].Close(TaskOutcome.Expired(answer));

    /// <summary>The next <paramref name="count"/> calls answer <paramref name="errorType"/> with <paramref name="status"/>, whatever they carry.</summary>
    public void InjectFaults(string errorType, int count, int status = 400)
    {
        for (var i = 0; i < count; i++)
        {
            _faults.Enqueue((errorType, status));
        }
    }

    public bool TryGetTask(string token, out WaitingTask task) => _tasks.TryGetValue(token, out task!);

    protected override void OnStopping()
    {
        foreach (var task in _tasks.Values)
        {
            task.Close(TaskOutcome.Expired("TaskTimedOut"));
        }
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            if (path.StartsWith("/local/", StringComparison.Ordinal))
            {
                await TaskTokenControl.HandleAsync(this, context, path["/local/".Length..]);
                return;
            }

            await HandleActionAsync(context);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // Caller went away.
        }
    }

    private async Task HandleActionAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var target = request.Headers["X-Amz-Target"] ?? "";
        var action = target.StartsWith("AWSStepFunctions.", StringComparison.Ordinal) ? target["AWSStepFunctions.".Length..] : target;
        var scope = CredentialScope().Match(request.Headers["Authorization"] ?? "");
        var call = new TaskTokenCall
        {
            Action = action,
            At = DateTimeOffset.UtcNow,
            Region = scope.Success ? scope.Groups["region"].Value : null,
            Service = scope.Success ? scope.Groups["service"].Value : null,
            AccessKeyId = scope.Success ? scope.Groups["key"].Value : null,
            ContentType = request.ContentType,
            Body = Encoding.UTF8.GetString(body.ToArray()),
        };

        var (status, answer) = Answer(request, call, action, scope, body.ToArray());
        call.Status = status;
        call.ErrorType = answer.ErrorType;
        _calls.Enqueue(call);
        await WriteAsync(context.Response, status, answer.Body, "application/x-amz-json-1.0");
    }

    private (int Status, ActionAnswer Answer) Answer(HttpListenerRequest request, TaskTokenCall call, string action, Match scope, byte[] body)
    {
        if (request.HttpMethod != "POST" || request.Url?.AbsolutePath != "/")
        {
            return (404, ActionAnswer.Error("UnknownOperationException", "Only POST / is served."));
        }

        // What AWS answers before it looks at the action: no signature, then a signature for another service.
        if (string.IsNullOrEmpty(request.Headers["Authorization"]))
        {
            return (403, ActionAnswer.Error("MissingAuthenticationTokenException", "Missing Authentication Token"));
        }

        if (!scope.Success)
        {
            return (400, ActionAnswer.Error("IncompleteSignatureException", "Authorization header requires a SigV4 Credential, SignedHeaders and Signature."));
        }

        if (scope.Groups["service"].Value != "states")
        {
            return (400, ActionAnswer.Error("InvalidSignatureException", $"Credential should be scoped to correct service: 'states'. (was '{scope.Groups["service"].Value}')"));
        }

        if (request.Headers["X-Amz-Date"] is not { } amzDate)
        {
            return (400, ActionAnswer.Error("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
        }

        if (_secretAccessKeys is not null)
        {
            if (!_secretAccessKeys.TryGetValue(scope.Groups["key"].Value, out var secret))
            {
                return (400, ActionAnswer.Error("UnrecognizedClientException", "The security token included in the request is invalid."));
            }

            var headers = request.Headers.AllKeys.OfType<string>().Select(k => KeyValuePair.Create(k, request.Headers[k] ?? ""));
            var expected = SigV4.Signature(
                request.HttpMethod, "/", request.Url?.Query.TrimStart('?') ?? "", headers, scope.Groups["signed"].Value.Split(';'),
                request.Headers["X-Amz-Content-Sha256"] ?? SigV4.Sha256Hex(body), amzDate, scope.Groups["region"].Value, "states", secret);
            if (expected != scope.Groups["signature"].Value)
            {
                return (403, ActionAnswer.Error("InvalidSignatureException", "The request signature we calculated does not match the signature you provided."));
            }
        }

        if (!(request.ContentType ?? "").StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal))
        {
            return (400, ActionAnswer.Error("UnknownOperationException", "Content-Type must be application/x-amz-json-1.0."));
        }

        if (action is not ("SendTaskSuccess" or "SendTaskFailure" or "SendTaskHeartbeat"))
        {
            return (400, ActionAnswer.Error("UnknownOperationException", $"Unknown operation {request.Headers["X-Amz-Target"]}"));
        }

        if (_faults.TryDequeue(out var fault))
        {
            return (fault.Status, ActionAnswer.Error(fault.Type, "Injected by the test"));
        }

        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (400, ActionAnswer.Error("SerializationException", "The request body is not JSON."));
        }

        var token = Text(json, "taskToken");
        call.TaskToken = token;
        if (Validate(action, json, token) is { } invalid)
        {
            return (400, invalid);
        }

        if (!_tasks.TryGetValue(token!, out var task))
        {
            return (400, ActionAnswer.Error("InvalidToken", $"Invalid Token: '{token}'"));
        }

        var closed = action switch
        {
            "SendTaskSuccess" => task.Close(TaskOutcome.Succeeded(Text(json, "output")!)),
            "SendTaskFailure" => task.Close(TaskOutcome.Failed(Text(json, "error") ?? "", Text(json, "cause") ?? "")),
            _ => task.Heartbeat(),
        };
        return closed is { } previous
            ? (400, ActionAnswer.Error(previous.GoneAnswer, previous.GoneAnswer == "TaskDoesNotExist" ? "Task does not exist anymore" : "Task Timed Out: 'Provided task does not exist anymore'"))
            : (200, ActionAnswer.Ok);
    }

    private static ActionAnswer? Validate(string action, JsonElement json, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return ActionAnswer.Error("ValidationException", $"1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length between 1 and {MaxTokenLength}");
        }

        if (action == "SendTaskSuccess")
        {
            var output = Text(json, "output");
            if (output is null)
            {
                return ActionAnswer.Error("ValidationException", "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null");
            }

            if (Encoding.UTF8.GetByteCount(output) > MaxOutputBytes)
            {
                return ActionAnswer.Error("ValidationException", $"1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {MaxOutputBytes}");
            }

            try
            {
                using var _ = JsonDocument.Parse(output);
            }
            catch (JsonException)
            {
                return ActionAnswer.Error("InvalidOutput", "Invalid Output: The output is not valid JSON.");
            }
        }

        if (action == "SendTaskFailure")
        {
            if ((Text(json, "error") ?? "").Length > MaxErrorLength)
            {
                return ActionAnswer.Error("ValidationException", $"1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to {MaxErrorLength}");
            }

            if ((Text(json, "cause") ?? "").Length > MaxCauseLength)
            {
                return ActionAnswer.Error("ValidationException", $"1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to {MaxCauseLength}");
            }
        }

        return null;
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/states/aws4_request, SignedHeaders=…, Signature=…
    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/,\s]+)/(?<date>\d{8})/(?<region>[^/,\s]+)/(?<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?<signed>[^,\s]+),\s*Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex CredentialScope();

    private sealed record ActionAnswer(byte[] Body, string? ErrorType)
    {
        public static readonly ActionAnswer Ok = new("{}"u8.ToArray(), null);

        public static ActionAnswer Error(string type, string message) =>
            new(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }), type);
    }
}
