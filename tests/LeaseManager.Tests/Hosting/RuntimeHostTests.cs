using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LeaseManager.Hosting;

namespace LeaseManager.Tests.Hosting;

/// <summary>
/// The packaged executable (the AOT bootstrap where it builds) driven through our Runtime API server
/// as Lambda would drive it, against DynamoDB Local: only what needs the real process (the HTTP
/// client, init from the environment, a real socket that hangs). The loop's behaviour is tested in
/// process (LambdaHostTests, LeaseHandlerTests).
/// </summary>
public sealed class RuntimeHostTests : LeaseTableTest
{
    private ExecutionEnvironment _environment = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _environment = new ExecutionEnvironment(PackagedFunction.Definition("lease", PackagedFunction.EnvironmentFor(Table.Name, Table.Peer.Endpoint, maxConcurrent: 2)), 1);
    }

    public override async Task DisposeAsync()
    {
        await _environment.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Answers_an_acquire_through_next_and_response()
    {
        var outcome = await _environment.InvokeAsync("""{"action":"acquire","owner_id":"arn:exec:1","resource_id":"db"}"""u8.ToArray());

        outcome.IsError.Should().BeFalse(outcome.ErrorMessage);
        using var answer = JsonDocument.Parse(outcome.Payload);
        answer.RootElement.GetProperty("status").GetString().Should().Be("acquired");
        answer.RootElement.GetProperty("max_concurrent_leases").GetInt32().Should().Be(2);
        // After answering, the runtime goes straight back to waiting for work.
        for (var i = 0; i < 100 && _environment.Server!.Requests.Count < 3; i++)
        {
            await Task.Delay(20);
        }

        var requests = _environment.Server!.Requests.ToList();
        requests.Select(r => (r.Method, r.Path.Split('/')[^1])).Should().Equal(("GET", "next"), ("POST", "response"), ("GET", "next"));
        (await Table.LiveSlotCountAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Should().Be(1);
    }

    [Fact]
    public async Task Bad_configuration_is_reported_as_an_init_error_and_the_process_exits()
    {
        var env = PackagedFunction.EnvironmentFor(Table.Name, Table.Peer.Endpoint);
        env[FunctionEnvironment.TableName] = null;
        env[FunctionEnvironment.MaxConcurrentLeases] = "lots";
        await using var broken = new ExecutionEnvironment(PackagedFunction.Definition("broken", env), 1);

        var outcome = await broken.InvokeAsync("""{"action":"acquire"}"""u8.ToArray());

        outcome.ErrorType.Should().Be("LeaseManager.ConfigurationError");
        outcome.HeaderErrorType.Should().Be("LeaseManager.ConfigurationError");
        outcome.ErrorMessage.Should().Contain("LEASE_TABLE_NAME is required").And.Contain("LEASE_MAX_CONCURRENT='lots'");
        broken.Server.Should().BeNull("the environment was torn down after the failed init");
    }

    [Fact]
    public async Task A_DynamoDB_outage_is_a_TransientFailure()
    {
        var env = PackagedFunction.EnvironmentFor(Table.Name, $"http://127.0.0.1:{DynamoDbPeer.FreeLoopbackPort()}");
        await using var cutOff = new ExecutionEnvironment(PackagedFunction.Definition("cut-off", env, timeoutSeconds: 20), 1);

        var outcome = await cutOff.InvokeAsync("""{"action":"acquire","owner_id":"e","resource_id":"r"}"""u8.ToArray());

        outcome.ErrorType.Should().Be("LeaseManager.TransientFailure", outcome.ErrorMessage);
        outcome.HeaderErrorType.Should().Be("LeaseManager.TransientFailure");
    }

    [Fact]
    public async Task Answers_before_the_deadline_when_DynamoDB_hangs()
    {
        // A DynamoDB that accepts connections and never answers.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    accepted.Add(await blackHole.AcceptTcpClientAsync());
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
        var env = PackagedFunction.EnvironmentFor(Table.Name, $"http://127.0.0.1:{((IPEndPoint)blackHole.LocalEndpoint).Port}");
        await using var hanging = new ExecutionEnvironment(PackagedFunction.Definition("hanging", env, timeoutSeconds: 2), 1);
        await hanging.StartAsync();

        var started = DateTimeOffset.UtcNow;
        var outcome = await hanging.InvokeAsync("""{"action":"acquire","owner_id":"e","resource_id":"r"}"""u8.ToArray());

        outcome.ErrorType.Should().Be("LeaseManager.TransientFailure", "the function gave up before Lambda's deadline: " + outcome.ErrorMessage);
        (DateTimeOffset.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(2));
        hanging.ColdStarts.Should().Be(1);
        accepted.ForEach(c => c.Dispose());
    }
}
