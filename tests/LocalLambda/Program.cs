using System.Text.Json;
using LocalPeers;

// LocalLambda --config functions.json [--port N]
// functions.json: {"functions":[{"name":"lease","command":"artifacts/.../bootstrap","maxConcurrency":8,
//                  "timeoutSeconds":10,"environment":{"LEASE_TABLE_NAME":"..."}}]}
// LocalLambda --dynamodb [--latency DELAY_MS,JITTER_MS]: only starts DynamoDB Local (the same
//                         launcher the tests use) and prints "dynamodb <url>"; for scripts that need
//                         a table and nothing else. With --latency, also the latency model in front
//                         of it (DynamoDbFaultProxy: each request delayed by DELAY_MS plus a uniform
//                         0–JITTER_MS) and prints "dynamodb <url> latency=<proxy url>".
// Prints one line "listening <url> sfn=<url>" when ready: the Invoke API, then the local Step
// Functions task-token endpoint (StepFunctionsTaskTokenServer) that every function reaches through
// AWS_ENDPOINT_URL_SFN (set here unless the configuration sets it). Stops on stdin EOF or SIGTERM.
string? configPath = null;
var port = 0;
var dynamoDbOnly = false;
double[]? latency = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config": configPath = args[++i]; break;
        case "--port": port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--dynamodb": dynamoDbOnly = true; break;
        case "--latency": latency = args[++i].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(); break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument {args[i]}");
            return 2;
    }
}

if (dynamoDbOnly)
{
    await using var peer = await DynamoDbPeer.StartAsync();
    await using var proxy = latency is null ? null : new DynamoDbFaultProxy(peer.Endpoint)
    {
        Delay = TimeSpan.FromMilliseconds(latency[0]),
        Jitter = TimeSpan.FromMilliseconds(latency.ElementAtOrDefault(1)),
    };
    Console.WriteLine(proxy is null ? $"dynamodb {peer.Endpoint}" : $"dynamodb {peer.Endpoint} latency={proxy.Endpoint}");
    while (await Console.In.ReadLineAsync() is not null)
    {
    }

    return 0;
}

if (configPath is null)
{
    await Console.Error.WriteLineAsync("usage: LocalLambda --config functions.json [--port N]");
    return 2;
}

using var config = JsonDocument.Parse(await File.ReadAllBytesAsync(configPath));
// The endpoint verifies SigV4 signatures with the keys the functions run with (ExecutionEnvironment
// gives them local/local unless their environment says otherwise).
var keys = new Dictionary<string, string>(StringComparer.Ordinal) { ["local"] = "local" };
foreach (var f in config.RootElement.GetProperty("functions").EnumerateArray())
{
    if (f.TryGetProperty("environment", out var fe) && fe.TryGetProperty("AWS_ACCESS_KEY_ID", out var id) && fe.TryGetProperty("AWS_SECRET_ACCESS_KEY", out var secret)
        && id.GetString() is { Length: > 0 } idText && secret.GetString() is { Length: > 0 } secretText)
    {
        keys[idText] = secretText;
    }
}

await using var stepFunctions = new StepFunctionsTaskTokenServer(secretAccessKeys: keys);
var pools = new Dictionary<string, FunctionPool>(StringComparer.Ordinal);
foreach (var f in config.RootElement.GetProperty("functions").EnumerateArray())
{
    var env = new Dictionary<string, string?>();
    if (f.TryGetProperty("environment", out var e))
    {
        foreach (var p in e.EnumerateObject())
        {
            env[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.ToString();
        }
    }

    // As AWS_ENDPOINT_URL_DYNAMODB points the function at DynamoDB Local: the SDK's standard
    // service-specific variable, read by the function's Step Functions client.
    if (!env.ContainsKey(LeaseManager.StepFunctions.StepFunctionsTaskClient.EndpointVariable))
    {
        env[LeaseManager.StepFunctions.StepFunctionsTaskClient.EndpointVariable] = stepFunctions.Url;
    }

    var definition = new FunctionDefinition
    {
        Name = f.GetProperty("name").GetString()!,
        Command = f.GetProperty("command").GetString()!,
        Environment = env,
        TimeoutSeconds = f.TryGetProperty("timeoutSeconds", out var t) ? t.GetInt32() : 10,
    };
    pools[definition.Name] = new FunctionPool(definition, f.TryGetProperty("maxConcurrency", out var c) ? c.GetInt32() : 10);
}

await using var server = new InvokeApiServer(pools, port);
Console.WriteLine($"listening {server.Url} sfn={stepFunctions.Url}");
// Not disposed: the exit handlers below may still fire while the process unwinds.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, a) => { a.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
_ = Task.Run(async () =>
{
    // The parent closes our stdin when it is done with us.
    while (await Console.In.ReadLineAsync() is not null)
    {
    }

    await stop.CancelAsync();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var pool in pools.Values)
{
    await pool.DisposeAsync();
}

return 0;
