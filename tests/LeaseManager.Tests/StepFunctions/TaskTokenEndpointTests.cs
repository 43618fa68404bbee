using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LeaseManager.Tests.StepFunctions;

/// <summary>
/// The local task-token endpoint answers as the Step Functions API reference defines the three
/// actions: so a client that passes against it is tested against the documented behaviour, not
/// against whatever the peer happens to accept.
/// </summary>
public sealed class TaskTokenEndpointTests : IAsyncLifetime
{
    private const string Signature = "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261130/eu-west-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly StepFunctionsTaskTokenServer _server = new();
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string action, object body, string? authorization = Signature, string contentType = "application/x-amz-json-1.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.Url + "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions." + action);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20261130T120000Z");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Type(JsonElement body) => body.GetProperty("__type").GetString()!;

    private string Registered()
    {
        var token = "t-" + Guid.NewGuid().ToString("N");
        _server.Register(token);
        return token;
    }

    [Fact]
    public async Task A_success_answers_an_empty_object()
    {
        var (status, body) = await SendAsync("SendTaskSuccess", new { taskToken = Registered(), output = "{}" });

        status.Should().Be(HttpStatusCode.OK);
        body.ValueKind.Should().Be(JsonValueKind.Object);
        body.EnumerateObject().Should().BeEmpty();
    }

    [Fact]
    public async Task Unsigned_requests_and_signatures_for_another_service_are_rejected_before_the_action()
    {
        var token = Registered();

        var unsigned = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" }, authorization: null);
        var dynamo = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" }, Signature.Replace("/states/", "/dynamodb/", StringComparison.Ordinal));
        var malformed = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" }, "Bearer abc");

        unsigned.Status.Should().Be(HttpStatusCode.Forbidden);
        Type(unsigned.Body).Should().Be("MissingAuthenticationTokenException");
        dynamo.Status.Should().Be(HttpStatusCode.BadRequest);
        Type(dynamo.Body).Should().Be("InvalidSignatureException");
        Type(malformed.Body).Should().Be("IncompleteSignatureException");
        _server.TryGetTask(token, out var task).Should().BeTrue();
        task.Outcome.IsCompleted.Should().BeFalse("a rejected request delivers nothing");
    }

    [Fact]
    public async Task Task_tokens_outside_1_to_2048_characters_fail_validation()
    {
        Type((await SendAsync("SendTaskHeartbeat", new { taskToken = "" })).Body).Should().Be("ValidationException");
        Type((await SendAsync("SendTaskHeartbeat", new { taskToken = new string('t', 2049) })).Body).Should().Be("ValidationException");
        Type((await SendAsync("SendTaskHeartbeat", new { taskToken = new string('t', 2048) })).Body).Should().Be("InvalidToken", "2048 characters is valid, and no task has this token");
    }

    [Fact]
    public async Task Output_must_be_JSON_of_at_most_256_KiB()
    {
        var notJson = await SendAsync("SendTaskSuccess", new { taskToken = Registered(), output = "{\"open\":" });
        var missing = await SendAsync("SendTaskSuccess", new { taskToken = Registered() });
        var tooLong = await SendAsync("SendTaskSuccess", new { taskToken = Registered(), output = "\"" + new string('x', StepFunctionsTaskTokenServer.MaxOutputBytes - 1) + "\"" });
        var longest = await SendAsync("SendTaskSuccess", new { taskToken = Registered(), output = "\"" + new string('x', StepFunctionsTaskTokenServer.MaxOutputBytes - 2) + "\"" });

        notJson.Status.Should().Be(HttpStatusCode.BadRequest);
        Type(notJson.Body).Should().Be("InvalidOutput");
        Type(missing.Body).Should().Be("ValidationException");
        Type(tooLong.Body).Should().Be("ValidationException");
        longest.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Error_and_cause_have_their_documented_limits()
    {
        Type((await SendAsync("SendTaskFailure", new { taskToken = Registered(), error = new string('e', 257) })).Body).Should().Be("ValidationException");
        Type((await SendAsync("SendTaskFailure", new { taskToken = Registered(), error = "E", cause = new string('c', 32_769) })).Body).Should().Be("ValidationException");
        (await SendAsync("SendTaskFailure", new { taskToken = Registered(), error = new string('e', 256), cause = new string('c', 32_768) })).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_expired_forgotten_and_closed_tokens_answer_the_documented_errors()
    {
        var expired = Registered();
        _server.Expire(expired);
        var forgotten = Registered();
        _server.Expire(forgotten, "TaskDoesNotExist");
        var closed = Registered();
        (await SendAsync("SendTaskSuccess", new { taskToken = closed, output = "{}" })).Status.Should().Be(HttpStatusCode.OK);

        Type((await SendAsync("SendTaskSuccess", new { taskToken = "never-issued", output = "{}" })).Body).Should().Be("InvalidToken");
        Type((await SendAsync("SendTaskSuccess", new { taskToken = expired, output = "{}" })).Body).Should().Be("TaskTimedOut");
        Type((await SendAsync("SendTaskFailure", new { taskToken = forgotten, error = "E" })).Body).Should().Be("TaskDoesNotExist");
        Type((await SendAsync("SendTaskFailure", new { taskToken = closed, error = "E" })).Body).Should().Be("TaskTimedOut");
        _server.Calls.Should().ContainSingle(c => c.TaskToken == closed && c.Status == 200).Which.Action.Should().Be("SendTaskSuccess");
    }

    [Fact]
    public async Task TimeoutSeconds_and_HeartbeatSeconds_close_the_task_and_a_heartbeat_keeps_it_open()
    {
        var timed = "t-" + Guid.NewGuid().ToString("N");
        var timedTask = _server.Register(timed, timeoutSeconds: 0.3);
        var beating = "t-" + Guid.NewGuid().ToString("N");
        var beatingTask = _server.Register(beating, heartbeatSeconds: 1.5);

        // 2 s of heartbeats, each well inside the 1.5 s clock even on a loaded machine.
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(500);
            (await SendAsync("SendTaskHeartbeat", new { taskToken = beating })).Status.Should().Be(HttpStatusCode.OK, "a heartbeat every 500 ms keeps a 1.5 s heartbeat clock from running out");
        }

        (await timedTask.Outcome.WaitAsync(TimeSpan.FromSeconds(5))).Error.Should().Be("States.Timeout");
        Type((await SendAsync("SendTaskSuccess", new { taskToken = timed, output = "{}" })).Body).Should().Be("TaskTimedOut");
        beatingTask.Outcome.IsCompleted.Should().BeFalse();
        (await beatingTask.Outcome.WaitAsync(TimeSpan.FromSeconds(5))).Error.Should().Be("States.HeartbeatTimeout");
        beatingTask.Heartbeats.Should().Be(4);
    }

    [Fact]
    public async Task Injected_throttling_answers_the_next_calls_whatever_they_carry()
    {
        var token = Registered();
        _server.InjectFaults("ThrottlingException", 2);

        var first = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" });
        var second = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" });
        var third = await SendAsync("SendTaskSuccess", new { taskToken = token, output = "{}" });

        Type(first.Body).Should().Be("ThrottlingException");
        Type(second.Body).Should().Be("ThrottlingException");
        third.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_control_API_registers_awaits_and_expires_tokens_over_HTTP()
    {
        var token = "t/" + Guid.NewGuid().ToString("N");
        var path = _server.Url + "/local/tokens/" + Uri.EscapeDataString(token);
        (await _http.PostAsync(_server.Url + "/local/tokens", new StringContent(JsonSerializer.Serialize(new { token })))).StatusCode.Should().Be(HttpStatusCode.Created);
        var pending = JsonDocument.Parse(await _http.GetStringAsync(path + "?waitSeconds=0.1")).RootElement;
        var waiting = _http.GetStringAsync(path + "?waitSeconds=10");

        (await SendAsync("SendTaskSuccess", new { taskToken = token, output = """{"a":1}""" })).Status.Should().Be(HttpStatusCode.OK);

        pending.GetProperty("status").GetString().Should().Be("pending");
        var outcome = JsonDocument.Parse(await waiting).RootElement;
        outcome.GetProperty("status").GetString().Should().Be("succeeded");
        outcome.GetProperty("output").GetString().Should().Be("""{"a":1}""");
        var calls = JsonDocument.Parse(await _http.GetStringAsync(_server.Url + "/local/calls?token=" + Uri.EscapeDataString(token))).RootElement;
        calls.GetArrayLength().Should().Be(1);
        calls[0].GetProperty("service").GetString().Should().Be("states");
    }
}
