using System.Globalization;
using System.Text;
using LeaseManager.Benchmarks;
using LocalPeers;

// make bench: every scenario side by side in one run on one DynamoDB Local, then docs/benchmarks.md.
var quick = args.Contains("--quick");
var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine(RepositoryPaths.Root, "docs", "benchmarks.md");
var started = DateTimeOffset.UtcNow;
await using var peer = await DynamoDbPeer.SharedAsync();
var table = await peer.CreateTableAsync();

var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var sfnProgress = new Progress<string>(Console.WriteLine);
if (only == "sfn")
{
    // The Step Functions part alone (about five minutes): rewrites only its section of the report.
    Console.WriteLine("bench: Step Functions cost through the ASL interpreter (node benchmarks/sfn-cost.mjs)");
    var runs = SfnCost.Run(peer.Endpoint, quick, sfnProgress);
    var section = new BenchmarkReport(started, quick, peer.Kind);
    section.AddSfnCost(runs, BenchmarkReport.Invariant($"This section alone was rerun on {started:yyyy-MM-dd HH:mm} UTC (`dotnet run --project benchmarks/LeaseManager.Benchmarks -c Release -- --only sfn`); the other sections are from the run above."));
    await File.WriteAllTextAsync(output, BenchmarkReport.Splice(File.Exists(output) ? await File.ReadAllTextAsync(output) : "", section.Sections), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    Console.WriteLine($"bench: wrote the Step Functions section of {output} in {(DateTimeOffset.UtcNow - started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
    return;
}

if (only == "keys")
{
    // Keyed against unkeyed alone (about a minute): rewrites only its section of the report.
    Console.WriteLine("bench: concurrency keys, keyed against unkeyed");
    var keys = await new KeysBenchmark(peer, table, TimeSpan.FromSeconds(quick ? 1 : 3), quick ? 20 : 100).RunAsync(new Progress<string>(Console.WriteLine));
    var section = new BenchmarkReport(started, quick, peer.Kind);
    section.AddKeys(keys, BenchmarkReport.Invariant($"This section alone was rerun on {started:yyyy-MM-dd HH:mm} UTC (`dotnet run --project benchmarks/LeaseManager.Benchmarks -c Release -- --only keys{(quick ? " --quick" : "")}`); the other sections are from the run above."));
    await File.WriteAllTextAsync(output, BenchmarkReport.Splice(File.Exists(output) ? await File.ReadAllTextAsync(output) : "", section.Sections, BenchmarkReport.KeysHeading, before: "## Cold start"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    Console.WriteLine($"bench: wrote the concurrency-key section of {output} in {(DateTimeOffset.UtcNow - started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
    return;
}

if (only == "host")
{
    // A quick look at one figure while working on the host; writes no report.
    var alone = await new HostBenchmark(peer, table, quick ? 2000 : 10_000).RunAsync();
    Console.WriteLine($"host: peak RSS {alone.PeakRssMb:0.0} MB, after warm-up {alone.RssAfterWarmupMb:0.0} MB, at the end {alone.FinalRssMb:0.0} MB; pair p50 {alone.PairP50Ms:0.00} ms");
    return;
}

Console.WriteLine("bench: cold start");
var coldStarts = await new ColdStartBenchmark(peer, table, quick ? 3 : 12).RunAsync();
foreach (var r in coldStarts)
{
    Console.WriteLine($"  {r.Build}: median {r.Median:0.0} ms to first answer (init {r.InitMedian:0.0} ms), n={r.Milliseconds.Count}");
}

Console.WriteLine("bench: lease algorithms side by side");
var throughput = await new ThroughputBenchmark(peer, table, TimeSpan.FromSeconds(quick ? 1 : 3)).RunAsync(new Progress<string>(Console.WriteLine));

Console.WriteLine("bench: concurrency keys, keyed against unkeyed");
var keyCosts = await new KeysBenchmark(peer, table, TimeSpan.FromSeconds(quick ? 1 : 3), quick ? 20 : 100).RunAsync(new Progress<string>(Console.WriteLine));

Console.WriteLine("bench: what each request costs DynamoDB Local");
var peerCost = await new PeerCostBenchmark(peer, table, TimeSpan.FromSeconds(quick ? 1 : 2)).RunAsync();
peerCost.ForEach(r => Console.WriteLine($"  {r.Request}: {r.PerSecond:0} requests/s"));

Console.WriteLine("bench: steady state of the AOT bootstrap");
var host = await new HostBenchmark(peer, table, quick ? 2000 : 10_000).RunAsync();
Console.WriteLine($"  peak RSS {host.PeakRssMb:0.0} MB over {host.Invocations} invocations; pair p50 {host.PairP50Ms:0.00} ms; overhead p50 {host.OverheadP50Ms:0.000} ms");

Console.WriteLine("bench: Step Functions cost through the ASL interpreter (node benchmarks/sfn-cost.mjs)");
var sfn = SfnCost.Run(peer.Endpoint, quick, sfnProgress);

var report = new BenchmarkReport(started, quick, peer.Kind);
report.AddHost(host);
report.AddSfnCost(sfn);
report.AddPerMillion(throughput);
report.AddThroughput(throughput, peerCost);
report.AddKeys(keyCosts);
report.AddColdStart(coldStarts);
await File.WriteAllTextAsync(output, report.Render(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
Console.WriteLine($"bench: wrote {output} in {(DateTimeOffset.UtcNow - started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
