using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalPeers;

/// <summary>How a waiting Task ended, as Step Functions would see it.</summary>
/// <param name="Status"><c>succeeded</c>, <c>failed</c>, <c>timedOut</c> (TimeoutSeconds), <c>heartbeatTimedOut</c> (HeartbeatSeconds) or <c>expired</c> (the execution ended).</param>
/// <param name="Output">SendTaskSuccess's output, as sent.</param>
/// <param name="Error">SendTaskFailure's error, or States.Timeout / States.HeartbeatTimeout.</param>
/// <param name="Cause">SendTaskFailure's cause.</param>
/// <param name="GoneAnswer">What a later call on the token is answered.</param>
public sealed record TaskOutcome(string Status, string? Output, string? Error, string? Cause, string GoneAnswer = "TaskTimedOut")
{
    public static TaskOutcome Succeeded(string output) => new("succeeded", output, null, null);

    public static TaskOutcome Failed(string error, string cause) => new("failed", null, error, cause);

    public static TaskOutcome Expired(string answer) => new("expired", null, null, null, answer);
}

/// <summary>
/// A Task waiting on its token. Its clocks are the endpoint's, as Step Functions keeps them:
/// <c>TimeoutSeconds</c> from registration, <c>HeartbeatSeconds</c> from registration or the last
/// heartbeat; either closes it (<c>States.Timeout</c>, <c>States.HeartbeatTimeout</c>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its timers are disposed when the task closes, which the server's stop forces.")]
public sealed class WaitingTask
{
    private readonly TaskCompletionSource<TaskOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timeout;
    private readonly Timer? _heartbeat;
    private readonly TimeSpan _heartbeatInterval;
    private int _heartbeats;

    internal WaitingTask(string token, double? timeoutSeconds, double? heartbeatSeconds)
    {
        Token = token;
        if (timeoutSeconds is { } timeout)
        {
            _timeout = new Timer(_ => Close(new TaskOutcome("timedOut", null, "States.Timeout", "The task timed out.")), null, TimeSpan.FromSeconds(timeout), Timeout.InfiniteTimeSpan);
        }

        if (heartbeatSeconds is { } heartbeat)
        {
            _heartbeatInterval = TimeSpan.FromSeconds(heartbeat);
            _heartbeat = new Timer(_ => Close(new TaskOutcome("heartbeatTimedOut", null, "States.HeartbeatTimeout", "The task did not send a heartbeat in time.")), null, _heartbeatInterval, Timeout.InfiniteTimeSpan);
        }
    }

    public string Token { get; }

    public int Heartbeats => _heartbeats;

    public Task<TaskOutcome> Outcome => _outcome.Task;

    /// <summary>Ends the task with <paramref name="outcome"/>; returns the earlier outcome if it had already ended (null if this call ended it).</summary>
    public TaskOutcome? Close(TaskOutcome outcome)
    {
        if (!_outcome.TrySetResult(outcome))
        {
            return _outcome.Task.Result;
        }

        _timeout?.Dispose();
        _heartbeat?.Dispose();
        return null;
    }

    /// <summary>Restarts the heartbeat clock; returns the outcome if the task had already ended.</summary>
    public TaskOutcome? Heartbeat()
    {
        if (_outcome.Task.IsCompleted)
        {
            return _outcome.Task.Result;
        }

        Interlocked.Increment(ref _heartbeats);
        _heartbeat?.Change(_heartbeatInterval, Timeout.InfiniteTimeSpan);
        return null;
    }
}

/// <summary>
/// The endpoint's control API, for the ASL harness and tests (JSON in and out):
/// <list type="bullet">
/// <item><c>POST /local/tokens</c> <c>{"token","timeoutSeconds"?,"heartbeatSeconds"?}</c>: a Task starts waiting.</item>
/// <item><c>GET /local/tokens/{token}?waitSeconds=N</c>: long-polls its outcome (<c>{"status":"pending"}</c> if none within N s).</item>
/// <item><c>POST /local/tokens/{token}/expire</c> <c>{"answer":"TaskTimedOut"|"TaskDoesNotExist"}</c>: its execution ended.</item>
/// <item><c>POST /local/faults</c> <c>{"errorType","count","status"?}</c>: the next calls fail so.</item>
/// <item><c>GET /local/calls[?token=…]</c>: every call of the three actions and its answer.</item>
/// </list>
/// </summary>
internal static class TaskTokenControl
{
    public static async Task HandleAsync(StepFunctionsTaskTokenServer server, HttpListenerContext context, string path)
    {
        var request = context.Request;
        var response = context.Response;
        var segments = path.Split('/').Select(Uri.UnescapeDataString).ToArray();
        switch (request.HttpMethod, segments)
        {
            case ("POST", ["tokens"]):
                {
                    var body = await ReadAsync(request);
                    var token = body?["token"]?.GetValue<string>();
                    if (string.IsNullOrEmpty(token) || server.TryGetTask(token, out _))
                    {
                        await ReplyAsync(response, 409, new JsonObject { ["message"] = "token missing or already registered" });
                        return;
                    }

                    server.Register(token, Seconds(body?["timeoutSeconds"]), Seconds(body?["heartbeatSeconds"]));
                    await ReplyAsync(response, 201, new JsonObject());
                    return;
                }

            case ("GET", ["tokens", var token]):
                {
                    if (!server.TryGetTask(token, out var task))
                    {
                        await ReplyAsync(response, 404, new JsonObject { ["message"] = "unknown token" });
                        return;
                    }

                    var wait = double.TryParse(request.QueryString["waitSeconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 30;
                    try
                    {
                        await task.Outcome.WaitAsync(TimeSpan.FromSeconds(wait));
                    }
                    catch (TimeoutException)
                    {
                    }

                    var outcome = task.Outcome.IsCompleted ? task.Outcome.Result : null;
                    await ReplyAsync(response, 200, new JsonObject
                    {
                        ["status"] = outcome?.Status ?? "pending",
                        ["output"] = outcome?.Output,
                        ["error"] = outcome?.Error,
                        ["cause"] = outcome?.Cause,
                        ["heartbeats"] = task.Heartbeats,
                    });
                    return;
                }

            case ("POST", ["tokens", var token, "expire"]):
                {
                    var body = await ReadAsync(request);
                    if (!server.TryGetTask(token, out _))
                    {
                        await ReplyAsync(response, 404, new JsonObject { ["message"] = "unknown token" });
                        return;
                    }

                    server.Expire(token, body?["answer"]?.GetValue<string>() ?? "TaskTimedOut");
                    await ReplyAsync(response, 200, new JsonObject());
                    return;
                }

            case ("POST", ["faults"]):
                {
                    var body = await ReadAsync(request);
                    server.InjectFaults(body?["errorType"]?.GetValue<string>() ?? "ThrottlingException", body?["count"]?.GetValue<int>() ?? 1, body?["status"]?.GetValue<int>() ?? 400);
                    await ReplyAsync(response, 202, new JsonObject());
                    return;
                }

            case ("GET", ["calls"]):
                {
                    var token = request.QueryString["token"];
                    var calls = new JsonArray();
                    foreach (var call in server.Calls.Where(c => token is null || c.TaskToken == token))
                    {
                        calls.Add(new JsonObject
                        {
                            ["action"] = call.Action,
                            ["taskToken"] = call.TaskToken,
                            ["region"] = call.Region,
                            ["service"] = call.Service,
                            ["status"] = call.Status,
                            ["errorType"] = call.ErrorType,
                            ["body"] = call.Body,
                            ["at"] = call.At.ToUnixTimeMilliseconds(),
                        });
                    }

                    await ReplyAsync(response, 200, calls);
                    return;
                }

            default:
                await ReplyAsync(response, 404, new JsonObject { ["message"] = $"no control route {request.HttpMethod} /local/{path}" });
                return;
        }
    }

    private static double? Seconds(JsonNode? node) => node is null ? null : node.GetValue<double>();

    private static async Task<JsonNode?> ReadAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private static async Task ReplyAsync(HttpListenerResponse response, int status, JsonNode body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}

/// <summary>One call of a task-token action as the endpoint saw it.</summary>
public sealed class TaskTokenCall
{
    public required string Action { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? TaskToken { get; set; }

    /// <summary>The region of the SigV4 credential scope.</summary>
    public string? Region { get; init; }

    /// <summary>The service of the SigV4 credential scope.</summary>
    public string? Service { get; init; }

    public string? AccessKeyId { get; init; }

    public string? ContentType { get; init; }

    public required string Body { get; init; }

    public int Status { get; set; }

    /// <summary>The <c>__type</c> answered, null for a success.</summary>
    public string? ErrorType { get; set; }
}
