using System.Diagnostics;

namespace LeaseManager.Tests.Cli;

/// <summary>The built lease-manager binary, run as an operator runs it: AWS settings from the environment, against DynamoDB Local.</summary>
public sealed class CliProcessTests : LeaseTableTest
{
    [Fact]
    public async Task The_built_binary_reads_the_endpoint_and_region_from_the_environment_and_reports_errors_without_a_stack_trace()
    {
        var lease = (await Table.Pool(4, "ops").AcquireAsync(new AcquireRequest("arn:aws:states:us-east-1:123456789012:execution:etl:nightly-42", "warehouse", Attempt: 0))).Lease!;

        var status = await RunAsync("status", "--table", Table.Name, "--pool", "ops", "--max-leases", "4");
        status.ExitCode.Should().Be(0, status.Stderr);
        status.Stdout.Should().Contain("limit    4 in force (configured: 4; stored: none)")
            .And.MatchRegex($@"\n\s+{lease.LeaseId}\s+\d+\s+nightly-42\s+warehouse\s");

        var missing = await RunAsync("status", "--table", "no-such-table-" + Guid.NewGuid().ToString("N")[..8]);
        missing.ExitCode.Should().Be(1);
        missing.Stderr.Should().StartWith("lease-manager status: LeaseManager.");
        missing.Stderr.Should().NotContain("   at ", "an operator sees the error type and message, never a stack trace");

        (await RunAsync("status")).ExitCode.Should().Be(2);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        // The project reference puts the tool's assembly (and its runtimeconfig) beside the tests.
        var dll = Path.Combine(AppContext.BaseDirectory, "LeaseManager.Cli.dll");
        File.Exists(Path.Combine(AppContext.BaseDirectory, "LeaseManager.Cli.runtimeconfig.json")).Should().BeTrue();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AWS_ENDPOINT_URL_DYNAMODB"] = Table.Peer.Endpoint;
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_ACCESS_KEY_ID"] = "local";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "local";
        start.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("LEASE_TABLE_NAME");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
