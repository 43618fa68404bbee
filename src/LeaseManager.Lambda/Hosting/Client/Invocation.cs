namespace LeaseManager.Hosting.Client;

/// <summary>One event from <c>/runtime/invocation/next</c>.</summary>
public sealed record Invocation(string RequestId, long DeadlineMs, string FunctionArn, string? TraceId, ReadOnlyMemory<byte> Payload);
