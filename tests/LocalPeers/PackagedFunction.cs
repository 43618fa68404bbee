using System.IO.Compression;
using System.Text.Json;
using LeaseManager.Hosting;

namespace LocalPeers;

/// <summary>
/// The function exactly as it ships: the Native AOT zip from <c>make package</c> where it was built,
/// else the framework-dependent zip, unpacked once per test run. <c>LEASE_MANAGER_PACKAGE</c> names
/// another zip. Zip and handler names come from the one manifest scripts and Terraform read too.
/// </summary>
public static class PackagedFunction
{
    /// <summary>src/LeaseManager.Lambda/lambda-package.json, relative to the repository root.</summary>
    public const string ManifestPath = "src/LeaseManager.Lambda/lambda-package.json";

    private static readonly Lazy<JsonElement> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, ManifestPath))).RootElement.Clone());

    private static readonly Lazy<string> Unpacked = new(() =>
        Unpack(FindZip() ?? throw new InvalidOperationException(MissingReason), "lease-manager-under-test-"));

    /// <summary>Why the packaged function cannot run here (no zip was built), or null when it can.</summary>
    public static string? MissingReason => FindZip() is null
        ? $"No function package in {Path.Combine(RepositoryPaths.Root, "artifacts")}: run 'make package' first (make test does)."
        : null;

    public static string AotZip => Manifest.Value.GetProperty("zips").GetProperty("aot").GetString()!;

    public static string ManagedZip => Manifest.Value.GetProperty("zips").GetProperty("managed").GetString()!;

    /// <summary>The executable of provided.al2023 (<c>bootstrap</c>).</summary>
    public static string AotHandler => Manifest.Value.GetProperty("handler").GetProperty("provided.al2023").GetString()!;

    /// <summary>The entry assembly of dotnet8 (<c>LeaseManager.Lambda</c>, run as its .dll).</summary>
    public static string ManagedHandler => Manifest.Value.GetProperty("handler").GetProperty("dotnet8").GetString()!;

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
        [FunctionEnvironment.TableName] = table,
        [FunctionEnvironment.LeasePrefix] = prefix,
        [FunctionEnvironment.MaxConcurrentLeases] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [FunctionEnvironment.MaxLeaseDurationSeconds] = maxDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint,
        [FunctionEnvironment.ServiceName] = "lease-test",
        [FunctionEnvironment.MetricsNamespace] = "LeaseTests",
    };

    /// <summary>Unpacks a zip into a fresh temporary folder; returns its executable or entry assembly.</summary>
    public static string Unpack(string zip, string folderPrefix)
    {
        var target = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N")[..8]);
        ZipFile.ExtractToDirectory(zip, target);
        var bootstrap = Path.Combine(target, AotHandler);
        if (File.Exists(bootstrap))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(bootstrap, File.GetUnixFileMode(bootstrap) | UnixFileMode.UserExecute);
            }

            return bootstrap;
        }

        return Path.Combine(target, ManagedHandler + ".dll");
    }

    private static string? FindZip()
    {
        var artifacts = Path.Combine(RepositoryPaths.Root, "artifacts");
        var given = Environment.GetEnvironmentVariable("LEASE_MANAGER_PACKAGE");
        return !string.IsNullOrEmpty(given) ? given
            : File.Exists(Path.Combine(artifacts, AotZip)) ? Path.Combine(artifacts, AotZip)
            : File.Exists(Path.Combine(artifacts, ManagedZip)) ? Path.Combine(artifacts, ManagedZip)
            : null;
    }
}
