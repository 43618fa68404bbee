using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace LeaseManager.Benchmarks;

/// <summary>
/// Write capacity units per calling flow, two ways. <see cref="Tally.Billed"/>: what DynamoDB bills,
/// by its documented rule — a single-item write 1 WCU per KB (every lease item is far under 1 KB), a
/// <c>TransactWriteItems</c> 2 WCU per item it names, charged whether the write succeeds or fails its
/// condition. <see cref="Tally.Reported"/>: what DynamoDB Local says it consumed, asked for on every
/// request with <c>ReturnConsumedCapacity = TOTAL</c> (set by a pipeline handler before the request
/// is marshalled, so the library's requests are otherwise unchanged); a failed request reports nothing.
/// DynamoDB Local reports a transaction at 1 WCU per item, half of what DynamoDB bills, which is why
/// the rule is what the report calls WCU.
/// </summary>
internal sealed class CapacityMeter
{
    private static readonly AsyncLocal<Tally?> CurrentScope = new();

    /// <summary>One flow's units.</summary>
    internal sealed class Tally
    {
        private long _billedMilli;
        private long _reportedMilli;
        private long _readMilli;

        /// <summary>Write units by DynamoDB's billing rule, failed writes included.</summary>
        public double Billed => Interlocked.Read(ref _billedMilli) / 1000.0;

        /// <summary>Write units DynamoDB Local's answers reported.</summary>
        public double Reported => Interlocked.Read(ref _reportedMilli) / 1000.0;

        /// <summary>Read units DynamoDB Local's answers reported.</summary>
        public double Read => Interlocked.Read(ref _readMilli) / 1000.0;

        internal void Add(double billed, double reported, double read)
        {
            Interlocked.Add(ref _billedMilli, (long)Math.Round(billed * 1000));
            Interlocked.Add(ref _reportedMilli, (long)Math.Round(reported * 1000));
            Interlocked.Add(ref _readMilli, (long)Math.Round(read * 1000));
        }
    }

    /// <summary>Counts the units of the calling flow from here on (it flows through awaits into the client's events).</summary>
    public static Tally BeginScope() => CurrentScope.Value = new Tally();

    /// <summary>A client whose every request asks for, and reports here, the capacity it consumes; otherwise as <see cref="DynamoDbFaultProxy.CreateClient"/> makes them.</summary>
    public static AmazonDynamoDBClient CreateClient(string endpoint, HttpClientFactory httpClientFactory) =>
        new MeteredClient(new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromSeconds(30),
            HttpClientFactory = httpClientFactory,
        });

    private sealed class MeteredClient(AmazonDynamoDBConfig config) : AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            pipeline.AddHandlerBefore<Marshaller>(new MeteringHandler());
        }
    }

    /// <summary>Sits before the marshaller: sees the request object before it is written, and the answer or failure after.</summary>
    private sealed class MeteringHandler : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            var request = executionContext.RequestContext.OriginalRequest;
            if (CurrentScope.Value is not { } tally)
            {
                return await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            }

            AskForCapacity(request);
            T response;
            try
            {
                response = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            }
            catch (AmazonServiceException)
            {
                tally.Add(ByRule(request), 0, 0);
                throw;
            }

            var (write, read) = Consumed(response);
            tally.Add(ByRule(request), write, read);
            return response;
        }
    }

    private static void AskForCapacity(AmazonWebServiceRequest? request)
    {
        var total = ReturnConsumedCapacity.TOTAL;
        switch (request)
        {
            case PutItemRequest r: r.ReturnConsumedCapacity = total; break;
            case UpdateItemRequest r: r.ReturnConsumedCapacity = total; break;
            case DeleteItemRequest r: r.ReturnConsumedCapacity = total; break;
            case TransactWriteItemsRequest r: r.ReturnConsumedCapacity = total; break;
            case QueryRequest r: r.ReturnConsumedCapacity = total; break;
            case GetItemRequest r: r.ReturnConsumedCapacity = total; break;
        }
    }

    /// <summary>Write and read units an answer reports (0 when it reports none).</summary>
    private static (double Write, double Read) Consumed(AmazonWebServiceResponse? response)
    {
        static (double, double) Write(ConsumedCapacity? c) => (c?.WriteCapacityUnits ?? c?.CapacityUnits ?? 0, 0);
        static (double, double) Read(ConsumedCapacity? c) => (0, c?.ReadCapacityUnits ?? c?.CapacityUnits ?? 0);
        return response switch
        {
            PutItemResponse r => Write(r.ConsumedCapacity),
            UpdateItemResponse r => Write(r.ConsumedCapacity),
            DeleteItemResponse r => Write(r.ConsumedCapacity),
            TransactWriteItemsResponse r => (r.ConsumedCapacity?.Sum(c => c.WriteCapacityUnits ?? c.CapacityUnits ?? 0) ?? 0, 0),
            QueryResponse r => Read(r.ConsumedCapacity),
            GetItemResponse r => Read(r.ConsumedCapacity),
            _ => (0, 0),
        };
    }

    /// <summary>The documented rule: 1 WCU a single-item write (items under 1 KB), 2 WCU per item of a transaction; reads 0.</summary>
    public static double ByRule(AmazonWebServiceRequest? request) => request switch
    {
        PutItemRequest or UpdateItemRequest or DeleteItemRequest => 1,
        TransactWriteItemsRequest t => 2.0 * (t.TransactItems?.Count ?? 0),
        _ => 0,
    };
}
