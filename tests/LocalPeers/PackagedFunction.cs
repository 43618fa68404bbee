using System.IO.Compression;


namespace LocalPeers;

/// <summary>
/// The function exactly as it ships: the Native AOT zip from <c>make package</c> where it was built,
/// else the framework-dependent zip, unpacked once per test run. <c>LEASE_MANAGER_PACKAGE</c> names
/// another zip.
/// </summary>
public static class PackagedFunction
{
    public const string AotZip = "lease-manager-provided.al2023-x86_64.zip";
    public const string ManagedZip = "lease-manager-dotnet8.zip";
    private static readonly Lazy<string> Unpacked = new(Unpack);

    /// <summary>The executable (<c>bootstrap</c>) or entry assembly (<c>LeaseManager.Lambda.dll</c>).</summary>
    public static string Command => Unpacked.Value;

    public static FunctionDefinition Definition(string name, IReadOnlyDictionary<string, string?> environment, int timeoutSeconds = 10) => new()
    {
        Name = name,
        Command = Command,
        Environment = environment,
        TimeoutSeconds = timeoutSeconds,
    };

    /// <summary>The environment the Terraform module sets, pointed at a test table and DynamoDB endpoint.</summary>
    public static Dictionary<string, string?> EnvironmentFor(string table, string endpoint, int maxConcurrent = 5, string prefix = "", int maxDurationSeconds = 600) => new()
    {
        ["LEASE_TABLE_NAME"] = table,
        ["LEASE_PREFIX"] = prefix,
        ["LEASE_MAX_CONCURRENT"] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEASE_MAX_DURATION_SECONDS"] = maxDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint,
        ["POWERTOOLS_SERVICE_NAME"] = "lease-test",
        ["POWERTOOLS_METRICS_NAMESPACE"] = "LeaseTests",
    };

    /// <summary>Why the packaged function cannot run here (no zip was built), or null when it can.</summary>
    public static string? MissingReason => FindZip() is null
        ? $"No function package in {Path.Combine(RepositoryPaths.Root, "artifacts")}: run 'make package' first (make test does)."
        : null;

    private static string? FindZip()
    {
        var artifacts = Path.Combine(RepositoryPaths.Root, "artifacts");
        var given = Environment.GetEnvironmentVariable("LEASE_MANAGER_PACKAGE");
        return !string.IsNullOrEmpty(given) ? given
            : File.Exists(Path.Combine(artifacts, AotZip)) ? Path.Combine(artifacts, AotZip)
            : File.Exists(Path.Combine(artifacts, ManagedZip)) ? Path.Combine(artifacts, ManagedZip)
            : null;
    }

    private static string Unpack()
    {
        var zip = FindZip() ?? throw new InvalidOperationException(MissingReason);
        var target = Path.Combine(Path.GetTempPath(), "lease-manager-under-test-" + Guid.NewGuid().ToString("N")[..8]);
        ZipFile.ExtractToDirectory(zip, target);
        var bootstrap = Path.Combine(target, "bootstrap");
        if (File.Exists(bootstrap) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(bootstrap, File.GetUnixFileMode(bootstrap) | UnixFileMode.UserExecute);
            return bootstrap;
        }

        return Path.Combine(target, "LeaseManager.Lambda.dll");
    }
}
