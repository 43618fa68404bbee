using LeaseManager;
using LeaseManager.Contract;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;
using LeaseManager.Leasing;
using LeaseManager.Observability;
using LeaseManager.StepFunctions;

// One executable for every deployment: the Native AOT `bootstrap` of provided.al2023, the same
// binary on dotnet8, or the framework-dependent build run by the managed runtime's executable mode.
Func<string, string?> environment = Environment.GetEnvironmentVariable;
var runtimeApi = environment(FunctionEnvironment.RuntimeApi);
if (string.IsNullOrEmpty(runtimeApi))
{
    await Console.Error.WriteLineAsync($"LeaseManager is an AWS Lambda runtime: {FunctionEnvironment.RuntimeApi} is not set.");
    return 2;
}

var stdout = Console.OpenStandardOutput();
var observability = FunctionEnvironment.Observability(environment);
var logger = new StructuredLogger(stdout, observability);
var metrics = new EmbeddedMetrics(stdout, observability);
using var runtime = new RuntimeApiClient(runtimeApi);

LeaseHandler handler;
try
{
    // The callback strategy wakes queued waiters through Step Functions' task-token API.
    var options = FunctionEnvironment.PoolOptions(environment);
    var region = FunctionEnvironment.RegionName(environment);
    ILeaseWaiterNotifier? notifier = options.HandOffToWaiters ? new TaskTokenWaiterNotifier(StepFunctionsTaskClient.Create(region)) : null;
    var pool = new LeasePool(DynamoDbClientFactory.Create(region), options, notifier: notifier);
    handler = new LeaseHandler(new LeaseFunction(pool, adminActions: FunctionEnvironment.AdminActionsEnabled(environment)), logger, metrics);
}
catch (Exception e)
{
    // Init has one answer per cause: the environment is wrong (ConfigurationError), or something
    // nobody anticipated failed (InternalError). Never a .NET class name; the detail is in the log.
    LeaseException error = e switch
    {
        ConfigurationException configuration => configuration,
        ArgumentException or FormatException or Amazon.Runtime.AmazonClientException => new ConfigurationException(e.Message, e),
        _ => LeaseErrors.From(e) is InternalErrorException internalError ? internalError : new ConfigurationException(e.Message, e),
    };
    logger.Error(error.Message, ReferenceEquals(error, e) ? e.InnerException : e, LogField.Of("error_type", error.ErrorType));
    await runtime.ReportInitErrorAsync(new ErrorResponse(error.Message, error.ErrorType, []), CancellationToken.None);
    return 1;
}

var host = new LambdaHost(runtime, handler, logger, metrics, LeaseMetrics.Errors);
try
{
    await host.RunAsync(CancellationToken.None);
}
catch (HttpRequestException e)
{
    // The Runtime API went away: the environment is being shut down.
    logger.Error("Lost the Runtime API", e);
    return 1;
}

return 0;
