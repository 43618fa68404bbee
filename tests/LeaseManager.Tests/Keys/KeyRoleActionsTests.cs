using System.Collections.Concurrent;

namespace LeaseManager.Tests.Keys;

/// <summary>
/// The function's role (iam.tf, UseOwnLeasePool) grants PutItem, UpdateItem, DeleteItem and Query
/// (TransactWriteItems is authorised per item as those), and ConditionCheckItem with the callback
/// strategy or concurrency keys; tests/terraform/iam.tftest.hcl pins "no GetItem". Keyed operations
/// must stay inside that (a GetItem here failed before key items were read with a Query).
/// </summary>
public sealed class KeyRoleActionsTests : LeaseTableTest
{
    private static readonly string[] Granted = ["PutItem", "UpdateItem", "DeleteItem", "Query", "TransactWriteItems"];

    [Fact]
    public async Task Keyed_grants_pruning_and_set_key_limit_use_only_the_actions_a_keyed_pools_role_grants()
    {
        var calls = new ConcurrentQueue<DynamoDbCall>();
        await using var proxy = new DynamoDbFaultProxy(Table.Peer.Endpoint) { Hold = call => { calls.Enqueue(call); return Task.CompletedTask; } };
        using var client = proxy.CreateClient();
        var pool = new LeasePool(client, Table.Options(5, maxDurationSeconds: 1) with { MaxConcurrentLeasesPerKey = 1 });

        // The key's leases expire unreleased: the next grants of the key prune them from its set.
        for (var i = 0; i < 3; i++)
        {
            (await pool.AcquireAsync(new AcquireRequest(ConcurrencyKey: "tenant-a", LeaseDurationSeconds: 1))).Status.Should().Be(AcquireStatus.Acquired);
            await Task.Delay(1100);
        }

        // The admin function's set_limit with a concurrency_key.
        await pool.SetKeyLimitAsync("tenant-a", 1);
        await pool.GetKeyStatusAsync("tenant-a");

        calls.Select(c => c.Operation).Distinct().Should().BeSubsetOf(Granted, "the role grants no other action (GetItem: access denied on AWS)");
    }
}
