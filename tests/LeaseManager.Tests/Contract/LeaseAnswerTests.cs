using System.Text;
using LeaseManager.Contract;
using LeaseManager.Observability;

namespace LeaseManager.Tests.Contract;

/// <summary>
/// The typed answers on the wire, byte for byte (docs/reference.md "Lambda contract"): every answer of
/// an action has the same keys in the same order, null where a value does not apply; and what each
/// answer means to the metrics.
/// </summary>
public sealed class LeaseAnswerTests
{
    private static readonly Lease Granted = new("0001.-.0123456789abcdef", 1, 1_700_000_600_999);

    public static TheoryData<LeaseAnswer, string> Wire => new()
    {
        { new LeaseAcquired(Granted, 2, 5), """{"status":"acquired","lease_id":"0001.-.0123456789abcdef","lease_expires_at":1700000600,"current_running":2,"max_concurrent_leases":5,"limited_by":null}""" },
        { new LeaseAcquired(Granted, null, 5, ReclaimedExpired: true), """{"status":"acquired","lease_id":"0001.-.0123456789abcdef","lease_expires_at":1700000600,"current_running":null,"max_concurrent_leases":5,"limited_by":null}""" },
        { new LeaseWait(5, 5), """{"status":"wait","lease_id":null,"lease_expires_at":null,"current_running":5,"max_concurrent_leases":5,"limited_by":"pool"}""" },
        { new LeaseWait(1, 1, LeaseLimit.Key), """{"status":"wait","lease_id":null,"lease_expires_at":null,"current_running":1,"max_concurrent_leases":1,"limited_by":"key"}""" },
        { new LeaseReleased("0001.-.0123456789abcdef", false), """{"status":"released","lease_id":"0001.-.0123456789abcdef","released":false}""" },
        { new LeaseRenewed("0001.-.0123456789abcdef", 1_700_000_900), """{"status":"renewed","lease_id":"0001.-.0123456789abcdef","lease_expires_at":1700000900}""" },
        { new LeasesReclaimed("arn:exec:1", "FAILED", ["a", "b"], 2), """{"status":"reclaimed","owner_id":"arn:exec:1","execution_status":"FAILED","released_count":2,"lease_ids":["a","b"],"sweeps":2}""" },
        { new LeasesReclaimed("arn:exec:1", null, [], 1), """{"status":"reclaimed","owner_id":"arn:exec:1","execution_status":null,"released_count":0,"lease_ids":[],"sweeps":1}""" },
        { new ExecutionEventIgnored("arn:exec:1", "RUNNING"), """{"status":"ignored","owner_id":"arn:exec:1","execution_status":"RUNNING","released_count":0,"lease_ids":[],"sweeps":0}""" },
        { new LeaseQueued(WaitStatus.Queued, null), """{"status":"queued","position":null,"lease_id":null}""" },
        { new LeaseQueued(WaitStatus.Delivered, Granted), """{"status":"delivered","position":null,"lease_id":"0001.-.0123456789abcdef"}""" },
        { new LeasesSwept(3, 2, 1, 4, 5, 6, 61_500), """{"status":"swept","expired_slots":3,"handed_off":2,"waiters_gone":1,"held":4,"limit":5,"waiting":6,"oldest_wait_seconds":61}""" },
        { new LeasesSwept(0, 0, 0, 1, 5, 0, null), """{"status":"swept","expired_slots":0,"handed_off":0,"waiters_gone":0,"held":1,"limit":5,"waiting":0,"oldest_wait_seconds":null}""" },
    };

    [Theory]
    [MemberData(nameof(Wire))]
    public void Each_answer_is_written_with_its_actions_keys(LeaseAnswer answer, string expected) =>
        Encoding.UTF8.GetString(answer.ToUtf8Json()).Should().Be(expected);

    public static TheoryData<LeaseAnswer, string> Metrics => new()
    {
        { new LeaseAcquired(Granted, 2, 5), "LeaseAcquired=1 ActiveLeases=2 LeaseLimit=5" },
        { new LeaseAcquired(Granted, null, 5, ReclaimedExpired: true), "LeaseAcquired=1 LeaseReclaimedExpired=1 LeaseLimit=5" },
        { new LeaseWait(5, 5), "LeaseWait=1 ActiveLeases=5 LeaseLimit=5" },
        { new LeaseWait(2, 2, LeaseLimit.Key), "LeaseWait=1 LeaseKeyBusy=1" },
        { new LeaseReleased("x", true), "LeaseReleased=1" },
        { new LeaseReleased("x", false), "LeaseReleased=0" },
        { new LeaseRenewed("x", 1), "LeaseRenewed=1" },
        { new LeasesReclaimed("o", "FAILED", ["a", "b", "c"], 2), "LeaseReclaimedAfterExecutionEnd=3" },
        { new ExecutionEventIgnored("o", "RUNNING"), "" },
        { new LeaseQueued(WaitStatus.Queued, null), "LeaseQueued=1" },
        { new LeaseQueued(WaitStatus.Delivered, Granted), "LeaseQueued=0" },
        { new LeasesSwept(3, 2, 1, 4, 5, 6, 61_500), "LeaseHandedOff=2 LeaseWaitersGone=1 ActiveLeases=4 LeaseLimit=5 LeaseWaiters=6 LeaseOldestWaiterAgeSeconds=61.5" },
        { new LeasesSwept(0, 0, 0, 1, 5, 0, null), "LeaseHandedOff=0 LeaseWaitersGone=0 ActiveLeases=1 LeaseLimit=5 LeaseWaiters=0" },
    };

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Metrics_derive_from_the_typed_answer(LeaseAnswer answer, string expected) =>
        string.Join(' ', LeaseObservation.Metrics(answer).Select(m => $"{m.Metric}={m.Value}")).Should().Be(expected);

    [Fact]
    public void The_log_line_names_the_status_and_only_the_keys_that_apply()
    {
        var fields = LeaseObservation.Fields(new LeaseWait(5, 5));

        fields.Select(f => f.Key).Should().Equal("status", "current_running", "max_concurrent_leases", "limited_by");
        fields[0].Text.Should().Be("wait");
    }
}
