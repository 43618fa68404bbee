namespace LeaseManager.Tests.Semantics;

/// <summary>G5 (pools sharing a table are isolated) and G6 (bad input is typed and writes nothing).</summary>
public abstract partial class LeaseSemanticsSuite
{
    [SuiteFact]
    public async Task Pools_sharing_a_table_never_see_each_other()
    {
        var analytics = await OpenAsync(1, prefix: "analytics");
        var batch = await OpenAsync(1, prefix: "batch");

        var a = await analytics.AcquireAsync("exec", "r");
        var b = await batch.AcquireAsync("exec", "r");
        var crossRelease = await batch.ReleaseAsync(a.LeaseId!);

        a.Acquired.Should().BeTrue();
        b.Acquired.Should().BeTrue("the same owner and resource in another pool is another lease");
        crossRelease.Should().BeFalse();
        (await analytics.AcquireAsync("exec-2", "r")).Acquired.Should().BeFalse();
        (await Table.ItemsAsync()).Select(i => i["PK"].S).Distinct().Should().BeEquivalentTo(["pool#analytics", "pool#batch"]);
    }

    [SuiteFact]
    public async Task A_full_pool_with_fail_if_unavailable_is_LeaseUnavailable_and_writes_nothing()
    {
        var pool = await OpenAsync(1);
        await pool.AcquireAsync("exec-1", "r");
        var before = await Table.ItemsAsync();

        await FailsWith(LeaseUnavailableException.Name, () => pool.AcquireAsync("exec-2", "r", failIfUnavailable: true));

        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }

    [SuiteFact]
    public async Task Bad_input_is_InvalidRequest_and_writes_nothing()
    {
        var pool = await OpenAsync(2, maxDurationSeconds: 60);
        var held = await pool.AcquireAsync("exec-held", "r");
        var before = await Table.ItemsAsync();
        var forged = held.LeaseId![..^1] + (held.LeaseId[^1] == '0' ? '1' : '0');

        Func<Task>[] bad =
        [
            () => pool.AcquireAsync(new string('o', LeaseManager.Leasing.LeaseRequestLimits.MaxOwnerIdLength + 1), "r"),
            () => pool.AcquireAsync("", "r"),
            () => pool.AcquireAsync("exec", new string('r', LeaseManager.Leasing.LeaseRequestLimits.MaxResourceIdLength + 1)),
            () => pool.AcquireAsync("exec", "r", durationSeconds: 0),
            () => pool.AcquireAsync("exec", "r", durationSeconds: 61),
            () => pool.ReleaseAsync("not-a-lease"),
            () => pool.ReleaseAsync(""),
            () => pool.RenewAsync("../../etc"),
            () => pool.RenewAsync(held.LeaseId, durationSeconds: 61),
        ];
        foreach (var call in bad)
        {
            await FailsWith(InvalidRequestException.Name, call);
        }

        (await Table.ItemsAsync()).Should().BeEquivalentTo(before, "no bad request reached the table");
        (await pool.ReleaseAsync(forged)).Should().BeFalse("a well-formed id that was never issued is fenced off the slot");
        (await LiveAsync()).Should().Be(1);
    }

    [SuiteFact]
    public async Task Renew_keeps_a_holder_alive_past_its_original_expiry()
    {
        var pool = await OpenAsync(1);
        var lease = await pool.AcquireAsync("exec-long", "r", durationSeconds: 2);

        await Time.PassAsync(TimeSpan.FromSeconds(1.5));
        var renewed = await pool.RenewAsync(lease.LeaseId!, 2);
        await Time.PassAsync(TimeSpan.FromSeconds(1.5));

        renewed.Should().BeGreaterThan(lease.ExpiresAtMs!.Value);
        (await pool.AcquireAsync("exec-other", "r")).Acquired.Should().BeFalse("the renewed lease still counts");
        (await pool.AcquireAsync("exec-long", "r")).LeaseId.Should().Be(lease.LeaseId, "the owner index was renewed with the slot");
    }

    [SuiteFact]
    public async Task Renewing_an_expired_or_released_lease_is_LeaseLost()
    {
        var pool = await OpenAsync(2);
        var expiring = await pool.AcquireAsync("exec-1", "r", durationSeconds: 1);
        var released = await pool.AcquireAsync();
        await pool.ReleaseAsync(released.LeaseId!);
        await Time.PassAsync(TimeSpan.FromSeconds(1.1));

        await FailsWith(LeaseLostException.Name, () => pool.RenewAsync(expiring.LeaseId!));
        await FailsWith(LeaseLostException.Name, () => pool.RenewAsync(released.LeaseId!));
    }
}
