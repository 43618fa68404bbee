using System.Security.Cryptography;
using System.Text;

namespace LocalPeers;

/// <summary>
/// The SigV4 signature of a request, computed the way AWS verifies it (canonical request, string to
/// sign, derived key), so the local task-token endpoint can check a caller's signature as AWS would.
/// Checked against AWS's published SigV4 test vectors (tests/LeaseManager.Tests/StepFunctions).
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The hex signature for the request's parts; header names in <paramref name="signedHeaders"/> are lower case.</summary>
    public static string Signature(
        string method,
        string path,
        string query,
        IEnumerable<KeyValuePair<string, string>> headers,
        IReadOnlyList<string> signedHeaders,
        string payloadSha256,
        string amzDate,
        string region,
        string service,
        string secretAccessKey)
    {
        ArgumentNullException.ThrowIfNull(amzDate);
        var values = headers
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(',', g.Select(h => Collapse(h.Value))), StringComparer.Ordinal);
        var canonicalHeaders = string.Concat(signedHeaders.Select(h => $"{h}:{(values.TryGetValue(h, out var v) ? v : "")}\n"));
        var canonicalRequest = string.Join('\n', method, path, query, canonicalHeaders, string.Join(';', signedHeaders), payloadSha256);
        var day = amzDate[..8];
        var scope = $"{day}/{region}/{service}/aws4_request";
        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), day), region), service), "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    public static string Sha256Hex(byte[] payload) => Hex(SHA256.HashData(payload));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    // Canonical header values: trimmed, runs of spaces made one.
    private static string Collapse(string value) => string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
