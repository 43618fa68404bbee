using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace LeaseManager.Hosting;

/// <summary>
/// The one DynamoDB client of the process, built at init. Region and credentials come from the
/// Lambda environment; an endpoint override from the SDK's standard <c>AWS_ENDPOINT_URL_DYNAMODB</c>
/// or <c>AWS_ENDPOINT_URL</c> (how the local runner points the function at DynamoDB Local).
/// </summary>
public static class DynamoDbClientFactory
{
    public static AmazonDynamoDBClient Create(string? region)
    {
        var config = new AmazonDynamoDBConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromSeconds(3),
        };
        if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonDynamoDBClient(config);
    }
}
