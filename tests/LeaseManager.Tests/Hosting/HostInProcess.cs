namespace LeaseManager.Tests.Hosting;

/// <summary>
/// Test classes that run <c>LambdaHost</c> in this process: the host publishes each invocation's
/// trace id in the process environment (<c>_X_AMZN_TRACE_ID</c>), as Lambda's own runtimes do, so
/// two such classes running at once would read each other's. They share this collection and run one
/// after another; everything else still runs beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HostInProcess
{
    public const string Name = "LambdaHost in process";
}
