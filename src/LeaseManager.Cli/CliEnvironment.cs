using Amazon.DynamoDBv2;
using LeaseManager.Hosting;
using LeaseManager.Leasing;
using LeaseManager.StepFunctions;

namespace LeaseManager.Cli;

/// <summary>
/// What the command line needs from outside: environment variables and the AWS clients. The process
/// builds them as the function does (<see cref="DynamoDbClientFactory"/>, <see cref="FunctionEnvironment.RegionName"/>
/// and <see cref="TaskTokenWaiterNotifier"/> from the Lambda project): region from <c>AWS_REGION</c> /
/// <c>AWS_DEFAULT_REGION</c> or the profile, credentials from the SDK's chain, endpoints from
/// <c>AWS_ENDPOINT_URL_DYNAMODB</c> / <c>AWS_ENDPOINT_URL_SFN</c> / <c>AWS_ENDPOINT_URL</c>. Tests pass their own.
/// </summary>
internal sealed class CliEnvironment
{
    /// <summary>Reads an environment variable.</summary>
    public required Func<string, string?> Variables { get; init; }

    /// <summary>The DynamoDB client for a region (null: the SDK's region chain).</summary>
    public required Func<string?, IAmazonDynamoDB> DynamoDb { get; init; }

    /// <summary>Wakes a queued execution through Step Functions (<c>SendTaskSuccess</c>); only built for <c>--callback</c>.</summary>
    public required Func<string?, ILeaseWaiterNotifier> Notifier { get; init; }

    /// <summary>The clock the pool judges expiry by.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The real process: its environment, the function's client factories.</summary>
    public static CliEnvironment FromProcess() => new()
    {
        Variables = Environment.GetEnvironmentVariable,
        DynamoDb = region => DynamoDbClientFactory.Create(region),
        Notifier = region => new TaskTokenWaiterNotifier(StepFunctionsTaskClient.Create(region)),
    };

    /// <summary>The region as the function reads it; null leaves it to the SDK (profile, instance metadata).</summary>
    public string? Region => FunctionEnvironment.RegionName(Variables);
}

/// <summary>
/// The notifier of a pool that only reads (status, and the queue check before a write): reading the
/// queue needs a hand-off pool, which needs a notifier, and a read never hands anything off.
/// </summary>
internal sealed class ReadOnlyNotifier : ILeaseWaiterNotifier
{
    public static readonly ReadOnlyNotifier Instance = new();

    public ValueTask<WaiterNotification> NotifyGrantedAsync(QueuedWaiter waiter, AcquireOutcome grant, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A read-only pool never hands a lease to a waiter.");
}
