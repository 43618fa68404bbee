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

Console.WriteLine("bench: cold start");
var coldStarts = await new ColdStartBenchmark(peer, table, quick ? 3 : 12).RunAsync();
foreach (var r in coldStarts)
{
    Console.WriteLine($"  {r.Build}: median {r.Median:0.0} ms to first answer (init {r.InitMedian:0.0} ms), n={r.Milliseconds.Count}");
}

var report = new BenchmarkReport(started, quick, peer.Kind);
report.AddColdStart(coldStarts);
await File.WriteAllTextAsync(output, report.Render(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
Console.WriteLine($"bench: wrote {output} in {(DateTimeOffset.UtcNow - started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
