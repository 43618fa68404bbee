using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace LeaseManager.Tests.Hosting;

/// <summary>
/// G6: whatever fails, the Runtime API hears one of the contract's LeaseManager.* types — never a
/// .NET class name — and the .NET detail is in the log only. The host runs in process on DynamoDB
/// Local, with faults injected into the DynamoDB client.
/// </summary>
[Collection(HostInProcess.Name)]
public sealed class ContractErrorTests : LeaseTableTest
{
    private static readonly string[] ClosedSet =
    [
        "LeaseManager.InvalidRequest", "LeaseManager.LeaseUnavailable", "LeaseManager.LeaseLost",
        "LeaseManager.TransientFailure", "LeaseManager.ConfigurationError", "LeaseManager.InternalError",
    ];

    public static TheoryData<string, string> Faults => new()
    {
        // A plain write meeting an ongoing transaction on the same item (HTTP 400, retryable).
        { "TransactionConflictException", "LeaseManager.TransientFailure" },
        // A write racing a global table's replication to the same item (HTTP 400, retryable).
        { "ReplicatedWriteConflictException", "LeaseManager.TransientFailure" },
        // A 400 that retrying cannot fix: the request was wrong, so it is our bug.
        { "ValidationException", "LeaseManager.InternalError" },
        { "ItemCollectionSizeLimitExceededException", "LeaseManager.InternalError" },
        // Not DynamoDB at all: a bug.
        { "InvalidOperationException", "LeaseManager.InternalError" },
    };

    private static Exception Make(string name) => name switch
    {
        "TransactionConflictException" => new TransactionConflictException("Transaction is ongoing for the item", null, ErrorType.Sender, name, "req-1", HttpStatusCode.BadRequest),
        "ReplicatedWriteConflictException" => new ReplicatedWriteConflictException("Replicated write conflict", null, ErrorType.Sender, name, "req-1", HttpStatusCode.BadRequest),
        "ValidationException" => new AmazonDynamoDBException("One or more parameter values were invalid", null, ErrorType.Sender, name, "req-1", HttpStatusCode.BadRequest),
        "ItemCollectionSizeLimitExceededException" => new ItemCollectionSizeLimitExceededException("Item collection too large", null, ErrorType.Sender, name, "req-1", HttpStatusCode.BadRequest),
        _ => new InvalidOperationException("Collection was modified; enumeration operation may not execute."),
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_DynamoDB_fault_on_acquire_reaches_the_Runtime_API_as_a_contract_type(string fault, string expected)
    {
        var (client, proxy) = FaultInjectingDynamoDb.Wrap(Table.Client, _ => true, () => Make(fault));
        var host = new InProcessHost(Table, client);

        var id = await host.InvokeAsync("""{"action":"acquire","owner_id":"arn:exec:1","resource_id":"job"}""");

        proxy.Injected.Should().BeGreaterThan(0);
        var error = host.Runtime.Errors[id];
        error.ErrorType.Should().Be(expected);
        error.ErrorMessage.Should().NotContain(typeof(Exception).Namespace + ".").And.NotContain("Amazon.");
        error.StackTrace.Should().BeEmpty("the stack is in the log, not in the answer");
        var log = host.LogLines().Should().ContainSingle(l => l.GetProperty("level").GetString() == "ERROR").Subject;
        log.GetProperty("error_type").GetString().Should().Be(expected);
        log.GetProperty("exception").GetString().Should().EndWith(Make(fault).GetType().Name, "the log keeps the original failure");
        log.GetProperty("stack_trace").GetString().Should().NotBeNullOrEmpty();
        (await Table.ItemsAsync()).Should().BeEmpty("the failed acquire wrote nothing");
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_DynamoDB_fault_on_release_and_renew_reaches_the_Runtime_API_as_a_contract_type(string fault, string expected)
    {
        var healthy = new InProcessHost(Table, Table.Client);
        var acquired = healthy.Runtime.Responses[await healthy.InvokeAsync("""{"action":"acquire","owner_id":"arn:exec:2","resource_id":"job"}""")];
        var leaseId = System.Text.Json.JsonDocument.Parse(acquired).RootElement.GetProperty("lease_id").GetString();
        // Only the writes fail: a plain DeleteItem/UpdateItem or a transaction meeting another transaction.
        var (client, _) = FaultInjectingDynamoDb.Wrap(Table.Client, m => m.Name is "DeleteItemAsync" or "UpdateItemAsync" or "PutItemAsync" or "TransactWriteItemsAsync", () => Make(fault));
        var host = new InProcessHost(Table, client);

        var release = await host.InvokeAsync($$"""{"action":"release","lease_id":"{{leaseId}}"}""");
        var renew = await host.InvokeAsync($$"""{"action":"renew","lease_id":"{{leaseId}}"}""");

        host.Runtime.Errors[release].ErrorType.Should().Be(expected);
        host.Runtime.Errors[renew].ErrorType.Should().Be(expected);
        (await Table.LiveSlotCountAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Should().Be(1, "the lease is still held: the release can be retried");
    }

    /// <summary>Every exception the DynamoDB SDK defines, and the usual .NET and network ones.</summary>
    public static TheoryData<Type> EveryException()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(AmazonDynamoDBException).Assembly.GetTypes()
                     .Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract && t.IsPublic)
                     .Concat([typeof(AmazonServiceException), typeof(AmazonClientException), typeof(HttpRequestException), typeof(IOException),
                         typeof(TimeoutException), typeof(TaskCanceledException), typeof(InvalidOperationException), typeof(NullReferenceException),
                         typeof(ArgumentException), typeof(FormatException), typeof(KeyNotFoundException), typeof(OverflowException),
                         typeof(System.Text.Json.JsonException), typeof(OutOfMemoryException)])
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryException))]
    public async Task Every_exception_the_client_can_throw_answers_a_name_from_the_closed_set(Type exceptionType)
    {
        var (client, _) = FaultInjectingDynamoDb.Wrap(Table.Client, _ => true, () => (Exception)Activator.CreateInstance(exceptionType, "injected")!);
        var host = new InProcessHost(Table, client);

        foreach (var payload in new[] { """{"action":"acquire","owner_id":"arn:exec:p","resource_id":"r"}""", """{"action":"release","lease_id":"0000.-.0123456789abcdef"}""", """{"action":"renew","lease_id":"0000.-.0123456789abcdef"}""" })
        {
            var id = await host.InvokeAsync(payload);

            // The engine handles a failed condition or a cancelled transaction itself and may answer;
            // any failure it reports is one of the contract's names.
            if (host.Runtime.Errors.TryGetValue(id, out var error))
            {
                error.ErrorType.Should().BeOneOf(ClosedSet, $"{exceptionType.Name} on {payload}");
                error.ErrorMessage.Should().NotContain(exceptionType.FullName!);
            }
            else
            {
                host.Runtime.Responses.Should().ContainKey(id);
            }
        }
    }

    public static TheoryData<byte[]> UndecodableEvents => new()
    {
        // Not UTF-8: a stray continuation byte, a truncated sequence, an overlong '/', an encoded surrogate, Latin-1.
        Bytes("{\"action\":\"acquire\",\"owner_id\":\"", [0x80], "\"}"),
        Bytes("{\"action\":\"acquire\",\"resource_id\":\"", [0xC3], "\"}"),
        Bytes("{\"action\":\"acquire\",\"owner_id\":\"", [0xC0, 0xAF], "\"}"),
        Bytes("{\"action\":\"acquire\",\"owner_id\":\"", [0xED, 0xA0, 0x80], "\"}"),
        Bytes("{\"action\":\"acquire\",\"resource_id\":\"caf", [0xE9], "\"}"),
        // Invalid bytes in a field the function ignores: still not an event it can read.
        Bytes("{\"action\":\"acquire\",\"note\":\"", [0xFF, 0xFE], "\"}"),
        Bytes("{\"action\":\"", [0xFF], "\"}"),
        // Valid UTF-8 and valid JSON, but no .NET string: an escaped lone surrogate.
        Encoding.UTF8.GetBytes("{\"action\":\"acquire\",\"owner_id\":\"\\ud800\"}"),
        Encoding.UTF8.GetBytes("{\"action\":\"acquire\",\"resource_id\":\"\\udfff-x\"}"),
    };

    private static byte[] Bytes(string before, byte[] middle, string after) => [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    [Theory]
    [MemberData(nameof(UndecodableEvents))]
    public async Task An_undecodable_event_is_InvalidRequest_and_writes_nothing(byte[] payload)
    {
        var host = new InProcessHost(Table, Table.Client);

        var id = await host.InvokeAsync(payload);

        host.Runtime.Errors.Should().ContainKey(id, "nothing may be answered for an event that cannot be read");
        host.Runtime.Errors[id].ErrorType.Should().Be("LeaseManager.InvalidRequest");
        (await Table.ItemsAsync()).Should().BeEmpty();
    }
}
