using Amazon.DynamoDBv2;
using LeaseManager.Cli;

namespace LeaseManager.Tests.Cli;

/// <summary>One run of the command line in process: its exit code and what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<CliRun> RunAsync(IAmazonDynamoDB client, ILeaseWaiterNotifier? notifier, TimeProvider? clock, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new CliEnvironment
        {
            Variables = _ => null,
            DynamoDb = _ => client,
            Notifier = _ => notifier ?? throw new InvalidOperationException("This test gives no notifier."),
            Clock = clock ?? TimeProvider.System,
        };
        var code = await LeaseManager.Cli.Cli.RunAsync(args, stdout, stderr, environment);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>The system clock whose timers fire at once: a lowered limit's wait for every instance to see it, without the wait.</summary>
internal sealed class ImpatientClock : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime > TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : dueTime, period);
}
