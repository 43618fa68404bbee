using System.Text;
using System.Text.Json;
using LeaseManager.Contract;

namespace LeaseManager.Tests.Contract;

/// <summary>
/// Reclaim on execution failure (issue 8): the EventBridge "Step Functions Execution Status Change"
/// event releases what the ended execution holds, only that, and — with a settle time — also a lease
/// written by an acquire that was still in flight when the execution ended.
/// </summary>
public sealed class ReclaimTests : LeaseTableTest
{
    private const string Failed = "arn:aws:states:eu-central-1:123456789012:execution:orders:failed-1";
    private const string Other = "arn:aws:states:eu-central-1:123456789012:execution:orders:running-2";

    [Fact]
    public async Task A_failure_event_releases_every_lease_of_that_execution_and_nothing_else()
    {
        var function = Function(settleSeconds: 0);
        var pool = function.Pool;

        // An inline Map: one execution id, several resource ids; first attempts and a retry (owner index).
        var mine = new[]
        {
            await pool.AcquireAsync(new AcquireRequest(Failed, "item-0", Attempt: 0)),
            await pool.AcquireAsync(new AcquireRequest(Failed, "item-1", Attempt: 0)),
            await pool.AcquireAsync(new AcquireRequest(Failed, "item-2", Attempt: 1)),
        };
        var theirs = await pool.AcquireAsync(new AcquireRequest(Other, "item-0", Attempt: 0));

        var answer = await function.InvokeJsonAsync(Event(Failed, "FAILED", DateTimeOffset.UtcNow));

        answer.GetProperty("status").GetString().Should().Be("reclaimed");
        answer.GetProperty("owner_id").GetString().Should().Be(Failed);
        answer.GetProperty("execution_status").GetString().Should().Be("FAILED");
        answer.GetProperty("released_count").GetInt32().Should().Be(3);
        answer.GetProperty("lease_ids").EnumerateArray().Select(e => e.GetString()).Should().BeEquivalentTo(mine.Select(m => m.Lease!.LeaseId));
        answer.GetProperty("sweeps").GetInt32().Should().Be(1);

        var items = await Table.ItemsAsync();
        items.Should().ContainSingle("only the other execution's lease is left (the retry's owner index went with its lease)")
            .Which["lease_id"].S.Should().Be(theirs.Lease!.LeaseId);
        var next = await pool.AcquireAsync(new AcquireRequest(Other, "item-1", Attempt: 0));
        next.Status.Should().Be(AcquireStatus.Acquired, "the capacity is back at once, not at expiry");
    }

    [Theory]
    [InlineData("TIMED_OUT")]
    [InlineData("ABORTED")]
    public async Task Timed_out_and_aborted_executions_are_reclaimed_too(string status)
    {
        var function = Function(settleSeconds: 0);
        await function.Pool.AcquireAsync(new AcquireRequest(Failed, "r", Attempt: 0));

        var answer = await function.InvokeJsonAsync(Event(Failed, status, DateTimeOffset.UtcNow));

        answer.GetProperty("released_count").GetInt32().Should().Be(1);
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_running_execution_event_is_ignored_and_releases_nothing()
    {
        var function = Function(settleSeconds: 0);
        await function.Pool.AcquireAsync(new AcquireRequest(Failed, "r", Attempt: 0));

        var answer = await function.InvokeJsonAsync(Event(Failed, "RUNNING", DateTimeOffset.UtcNow));

        answer.ToString().Should().Be($$"""{"status":"ignored","owner_id":"{{Failed}}","execution_status":"RUNNING","released_count":0,"lease_ids":[],"sweeps":0}""");
        (await Table.LiveSlotCountAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Should().Be(1);
    }

    [Fact]
    public async Task An_acquire_that_lands_after_the_first_sweep_is_released_by_the_second()
    {
        // The AWS sample's race: the execution is aborted while its acquire is in flight; the cleanup
        // runs first and the acquire's write lands afterwards. The settle time is the function's timeout.
        await using var proxy = Table.Proxy();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Hold = call => call.Operation == "PutItem" ? inFlight.Task : Task.CompletedTask;
        var slow = new LeasePool(proxy.CreateClient(), Table.Options(4));
        await slow.ReadAsync(); // a warm instance: its next acquire goes straight to the (held) write
        var acquire = slow.AcquireAsync(new AcquireRequest(Failed, "late", Attempt: 0));
        await Task.Delay(50);
        var function = Function(settleSeconds: 2);
        var ended = DateTimeOffset.UtcNow;
        var reclaim = function.InvokeJsonAsync(Event(Failed, "ABORTED", ended));
        await Task.Delay(700);
        inFlight.SetResult();
        var late = await acquire;
        late.Status.Should().Be(AcquireStatus.Acquired);

        var answer = await reclaim;

        answer.GetProperty("sweeps").GetInt32().Should().Be(2);
        answer.GetProperty("lease_ids").EnumerateArray().Select(e => e.GetString()).Should().Equal(late.Lease!.LeaseId);
        (await Table.ItemsAsync()).Should().BeEmpty();
        DateTimeOffset.UtcNow.Should().BeOnOrAfter(ended.AddSeconds(2));
    }

    [Fact]
    public async Task A_lease_the_redriven_execution_takes_survives_the_second_sweep()
    {
        // RedriveExecution keeps the execution ARN: after sweep 1 the redriven execution acquires again,
        // as its owner, and works under that lease. Sweep 2 (about a function timeout later) must leave it.
        var function = Function(settleSeconds: 2);
        var before = await function.Pool.AcquireAsync(new AcquireRequest(Failed, "db", Attempt: 0));
        await Task.Delay(5);
        var ended = DateTimeOffset.UtcNow;
        var reclaim = function.InvokeJsonAsync(Event(Failed, "FAILED", ended));
        await Task.Delay(700);
        var redriven = await Function(settleSeconds: 0).Pool.AcquireAsync(new AcquireRequest(Failed, "db", Attempt: 0));
        redriven.Status.Should().Be(AcquireStatus.Acquired);

        var answer = await reclaim;

        answer.GetProperty("sweeps").GetInt32().Should().Be(2);
        answer.GetProperty("lease_ids").EnumerateArray().Select(e => e.GetString()).Should().Equal(before.Lease!.LeaseId);
        (await Table.LiveSlotsAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Should().ContainSingle()
            .Which["lease_id"].S.Should().Be(redriven.Lease!.LeaseId);
        (await function.Pool.ReleaseAsync(redriven.Lease.LeaseId)).Released.Should().BeTrue("the redriven execution still held it");
    }

    [Fact]
    public async Task A_reclaim_event_delivered_late_spares_leases_taken_after_the_end()
    {
        // 32 executions failed five minutes ago, were redriven, and hold new leases; their reclaim events
        // arrive now (EventBridge / Lambda async retries), while 32 newcomers compete for the pool.
        const int Executions = 32;
        var function = Function(settleSeconds: 0, limit: Executions);
        var ended = DateTimeOffset.UtcNow.AddMinutes(-5);
        var intervals = new Leasing.HoldingIntervals();
        var redriven = new List<Lease>();
        for (var i = 0; i < Executions; i++)
        {
            var lease = (await function.Pool.AcquireAsync(new AcquireRequest(Failed + i, "db", Attempt: 0))).Lease!;
            redriven.Add(lease);
            intervals.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lease.ExpiresAtMs);
        }

        var pools = WarmPools(() => new LeasePool(Table.Client, Table.Options(Executions)));
        var reclaims = Enumerable.Range(0, Executions).Select(i => Task.Run(() => function.InvokeJsonAsync(Event(Failed + i, "FAILED", ended))));
        var newcomers = Enumerable.Range(0, Executions).Select(i => Task.Run(async () =>
        {
            for (var round = 0; round < 10; round++)
            {
                if ((await pools[i % pools.Length].AcquireAsync(new AcquireRequest(Other + i, "db", Attempt: 0))).Lease is { } lease)
                {
                    intervals.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lease.ExpiresAtMs);
                    return;
                }

                await Task.Delay(20);
            }
        }));

        var answers = await Task.WhenAll(reclaims);
        await Task.WhenAll(newcomers);

        answers.Sum(a => a.GetProperty("released_count").GetInt32()).Should().Be(0, "every lease was taken after its execution's reported end");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(Executions);
        (await Table.LiveSlotsAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Select(i => i["lease_id"].S)
            .Should().BeEquivalentTo(redriven.Select(l => l.LeaseId));
    }

    [Fact]
    public async Task Without_a_settle_time_the_late_acquire_survives_until_its_expiry()
    {
        // The counter-example: the same race with one sweep leaves the late lease behind.
        var function = Function(settleSeconds: 0);
        var reclaim = await function.InvokeJsonAsync(Event(Failed, "ABORTED", DateTimeOffset.UtcNow));
        var late = await function.Pool.AcquireAsync(new AcquireRequest(Failed, "late", Attempt: 0));

        reclaim.GetProperty("released_count").GetInt32().Should().Be(0);
        (await Table.ItemsAsync()).Should().ContainSingle().Which["lease_id"].S.Should().Be(late.Lease!.LeaseId);
    }

    [Fact]
    public async Task The_second_sweep_stays_within_the_invocation_deadline()
    {
        var function = Function(settleSeconds: 60);
        await function.Pool.AcquireAsync(new AcquireRequest(Failed, "r", Attempt: 0));
        var answerBy = DateTimeOffset.UtcNow.AddSeconds(1.5);

        var result = await function.HandleAsync(
            LeaseRequestParser.Parse(Encoding.UTF8.GetBytes(Event(Failed, "FAILED", DateTimeOffset.UtcNow))), answerBy.ToUnixTimeMilliseconds());

        DateTimeOffset.UtcNow.Should().BeBefore(answerBy);
        var reclaimed = result.Should().BeOfType<LeasesReclaimed>().Subject;
        reclaimed.Sweeps.Should().Be(2);
        reclaimed.LeaseIds.Should().HaveCount(1);
    }

    [Fact]
    public async Task An_event_long_after_the_end_sweeps_once()
    {
        var function = Function(settleSeconds: 10);
        var answer = await function.InvokeJsonAsync(Event(Failed, "FAILED", DateTimeOffset.UtcNow.AddMinutes(-5)));

        answer.GetProperty("sweeps").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task An_explicit_reclaim_releases_the_owners_leases()
    {
        var function = Function(settleSeconds: 30);
        await function.Pool.AcquireAsync(new AcquireRequest(Failed, "r", Attempt: 0));

        var answer = await function.InvokeJsonAsync($$"""{"action":"reclaim","owner_id":"{{Failed}}"}""");

        answer.GetProperty("released_count").GetInt32().Should().Be(1);
        answer.GetProperty("sweeps").GetInt32().Should().Be(1, "no end time: nothing to wait for");
        answer.GetProperty("execution_status").ValueKind.Should().Be(JsonValueKind.Null);
    }

    private LeaseFunction Function(int settleSeconds, int limit = 4) =>
        new(new LeasePool(Table.Client, Table.Options(limit) with { ReclaimSettleSeconds = settleSeconds }));

    private static string Event(string executionArn, string status, DateTimeOffset stoppedAt) => $$"""
        {
          "version": "0",
          "id": "{{Guid.NewGuid()}}",
          "detail-type": "Step Functions Execution Status Change",
          "source": "aws.states",
          "account": "123456789012",
          "time": "{{stoppedAt:yyyy-MM-ddTHH:mm:ssZ}}",
          "region": "eu-central-1",
          "resources": ["{{executionArn}}"],
          "detail": {
            "executionArn": "{{executionArn}}",
            "stateMachineArn": "arn:aws:states:eu-central-1:123456789012:stateMachine:orders",
            "name": "failed-1",
            "status": "{{status}}",
            "startDate": {{stoppedAt.AddMinutes(-1).ToUnixTimeMilliseconds()}},
            "stopDate": {{(status == "RUNNING" ? "null" : stoppedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))}},
            "input": "{}",
            "output": null
          }
        }
        """;
}
