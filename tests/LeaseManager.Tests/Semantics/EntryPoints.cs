using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LeaseManager.Tests.Semantics;

/// <summary>The library itself: <see cref="LeasePool"/>, one engine per instance, callers spread over them.</summary>
internal sealed class LibraryEntryPoint(IReadOnlyList<LeasePool> instances) : ILeaseEntryPoint
{
    private int _next;

    public Task<Acquisition> AcquireAsync(string? owner, string? resource, int? attempt, int? durationSeconds, bool failIfUnavailable) =>
        Typed(async () =>
        {
            var outcome = await Next().AcquireAsync(new AcquireRequest(owner, resource, durationSeconds, failIfUnavailable, attempt));
            return new Acquisition(outcome.Status == AcquireStatus.Acquired, outcome.Lease?.LeaseId, outcome.Lease?.ExpiresAtMs, outcome.CurrentRunning, outcome.MaxConcurrentLeases);
        });

    public Task<bool> ReleaseAsync(string leaseId) => Typed(async () => (await Next().ReleaseAsync(leaseId)).Released);

    public Task<long> RenewAsync(string leaseId, int? durationSeconds) => Typed(async () => (await Next().RenewAsync(leaseId, durationSeconds)).ExpiresAtMs);

    public Task<IReadOnlyList<string>> ReclaimAsync(string ownerId) => Typed(async () => (await Next().ReclaimAsync(ownerId)).ReleasedLeaseIds);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private LeasePool Next() => instances[(int)((uint)Interlocked.Increment(ref _next) % instances.Count)];

    private static async Task<T> Typed<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (LeaseException e)
        {
            throw new LeaseCallFailedException(e.ErrorType, e.Message);
        }
    }
}

/// <summary>
/// Any entry point that speaks the Step Functions JSON contract: builds the events a state machine
/// sends and reads the answers it gets, so the handler in process and the packaged binary share it.
/// </summary>
internal abstract class JsonEntryPoint : ILeaseEntryPoint
{
    /// <summary>One invocation: the answer's bytes, or <see cref="LeaseCallFailedException"/> with the error type.</summary>
    protected abstract Task<byte[]> InvokeAsync(byte[] payload);

    public abstract ValueTask DisposeAsync();

    public async Task<Acquisition> AcquireAsync(string? owner, string? resource, int? attempt, int? durationSeconds, bool failIfUnavailable)
    {
        var request = new JsonObject { ["action"] = "acquire" };
        Set(request, "owner_id", owner);
        Set(request, "resource_id", resource);
        Set(request, "attempt", attempt);
        Set(request, "lease_duration_seconds", durationSeconds);
        if (failIfUnavailable)
        {
            request["fail_if_unavailable"] = true;
        }

        using var answer = await CallAsync(request);
        var root = answer.RootElement;
        var status = root.GetProperty("status").GetString();
        status.Should().BeOneOf("acquired", "wait");
        return new Acquisition(
            status == "acquired",
            Optional(root, "lease_id")?.GetString(),
            Optional(root, "lease_expires_at")?.GetInt64() * 1000,
            Optional(root, "current_running")?.GetInt32(),
            root.GetProperty("max_concurrent_leases").GetInt32());
    }

    public async Task<bool> ReleaseAsync(string leaseId)
    {
        using var answer = await CallAsync(new JsonObject { ["action"] = "release", ["lease_id"] = leaseId });
        return answer.RootElement.GetProperty("released").GetBoolean();
    }

    public async Task<long> RenewAsync(string leaseId, int? durationSeconds)
    {
        var request = new JsonObject { ["action"] = "renew", ["lease_id"] = leaseId };
        Set(request, "lease_duration_seconds", durationSeconds);
        using var answer = await CallAsync(request);
        return answer.RootElement.GetProperty("lease_expires_at").GetInt64() * 1000;
    }

    public async Task<IReadOnlyList<string>> ReclaimAsync(string ownerId)
    {
        using var answer = await CallAsync(new JsonObject { ["action"] = "reclaim", ["owner_id"] = ownerId });
        return answer.RootElement.GetProperty("lease_ids").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private async Task<JsonDocument> CallAsync(JsonObject request) =>
        JsonDocument.Parse(await InvokeAsync(Encoding.UTF8.GetBytes(request.ToJsonString())));

    private static void Set<T>(JsonObject request, string name, T? value)
    {
        if (value is not null)
        {
            request[name] = JsonValue.Create(value);
        }
    }

    private static JsonElement? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
