using Amazon.Runtime;
using Amazon.Runtime.Credentials.Internal;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace LeaseManager.StepFunctions;

/// <summary>
/// The SDK client for the three task-token calls, built on AWSSDK.Core's pipeline as a generated
/// service client is (AWSSDK.StepFunctions is not in the registry we can reach): the SDK's credential
/// chain, SigV4 signer for service <c>states</c>, retry policy, timeouts and endpoint resolution,
/// including <c>AWS_ENDPOINT_URL_SFN</c> / <c>AWS_ENDPOINT_URL</c> through the service id <c>SFN</c>.
/// Only marshalling and the endpoint rule are ours.
/// </summary>
internal sealed class StepFunctionsServiceClient : AmazonServiceClient
{
    private static readonly StepFunctionsMetadata Metadata = new();

    public StepFunctionsServiceClient(StepFunctionsClientConfig config)
        : base(config)
    {
    }

    public StepFunctionsServiceClient(AWSCredentials credentials, StepFunctionsClientConfig config)
        : base(credentials, config)
    {
    }

    protected override IServiceMetadata ServiceMetadata => Metadata;

    public Task<TaskTokenResponse> SendAsync(TaskTokenRequest request, CancellationToken cancellationToken)
    {
        var options = new InvokeOptions
        {
            RequestMarshaller = TaskTokenRequestMarshaller.Instance,
            ResponseUnmarshaller = TaskTokenResponseUnmarshaller.Instance,
        };
        return InvokeAsync<TaskTokenResponse>(request, options, cancellationToken);
    }

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);

        // As the generated clients of SDK v4 do: our endpoint rule and SigV4 as the only auth scheme,
        // both right after the marshaller so the signer sees the final request.
        pipeline.RemoveHandler<EndpointResolver>();
        pipeline.AddHandlerAfter<Marshaller>(new StepFunctionsEndpointResolver());
        pipeline.AddHandlerAfter<Marshaller>(new StepFunctionsAuthSchemeHandler());
    }

    private sealed class StepFunctionsMetadata : IServiceMetadata
    {
        public string ServiceId => StepFunctionsClientConfig.SdkServiceId;

        public IDictionary<string, string> OperationNameMapping { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }
}

/// <summary>Configuration of <see cref="StepFunctionsServiceClient"/>: what a generated config would carry.</summary>
internal sealed class StepFunctionsClientConfig : ClientConfig
{
    /// <summary>The SDK's service id: <c>AWS_ENDPOINT_URL_SFN</c> and the shared config's <c>sfn</c> section derive from it.</summary>
    public const string SdkServiceId = "SFN";

    /// <summary>The SigV4 signing name and endpoint prefix of Step Functions.</summary>
    public const string SigningName = "states";

    public StepFunctionsClientConfig()
        : base(new DefaultConfigurationProvider(DefaultConfigurations()))
    {
        ServiceId = SdkServiceId;
        AuthenticationServiceName = SigningName;
        EndpointProvider = new StepFunctionsEndpointProvider();
    }

    public override string RegionEndpointServiceName => SigningName;

    public override string ServiceVersion => "2016-11-23";

    public override string UserAgent => "lease-manager-sfn";

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var endpointParameters = StepFunctionsEndpointResolver.Parameters(this, parameters.AlternateEndpoint);
        return EndpointProvider.ResolveEndpoint(endpointParameters);
    }

    // The SDK's defaults modes, reduced to what matters here: standard retries everywhere.
    private static IEnumerable<IDefaultConfiguration> DefaultConfigurations() =>
    [
        new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard, ConnectTimeout = TimeSpan.FromMilliseconds(3100) },
        new DefaultConfiguration { Name = DefaultConfigurationMode.InRegion, RetryMode = RequestRetryMode.Standard, ConnectTimeout = TimeSpan.FromMilliseconds(1100) },
        new DefaultConfiguration { Name = DefaultConfigurationMode.CrossRegion, RetryMode = RequestRetryMode.Standard, ConnectTimeout = TimeSpan.FromMilliseconds(3100) },
        new DefaultConfiguration { Name = DefaultConfigurationMode.Mobile, RetryMode = RequestRetryMode.Standard, ConnectTimeout = TimeSpan.FromMilliseconds(30000) },
    ];
}

/// <summary>
/// Step Functions' endpoint rule, the parts that apply to a Lambda function: a configured endpoint
/// (the config's ServiceURL, or <c>AWS_ENDPOINT_URL_SFN</c> / <c>AWS_ENDPOINT_URL</c>) wins; otherwise
/// <c>https://states[-fips].{region}.{partition DNS suffix}</c>.
/// </summary>
internal sealed class StepFunctionsEndpointProvider : IEndpointProvider
{
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters["Endpoint"] is string configured && configured.Length > 0)
        {
            return new Endpoint(configured);
        }

        if (parameters["Region"] is not string region || region.Length == 0)
        {
            throw new AmazonClientException("No region for Step Functions: set AWS_REGION (Lambda does) or an endpoint.");
        }

        var suffix = Amazon.RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix ?? "amazonaws.com";
        var host = parameters["UseFIPS"] is true ? "states-fips" : "states";
        return new Endpoint($"https://{host}.{region}.{suffix}");
    }
}

/// <summary>The pipeline step that fills the endpoint parameters from the config, as generated resolvers do.</summary>
internal sealed class StepFunctionsEndpointResolver : BaseEndpointResolver
{
    public static EndpointParameters Parameters(IClientConfig config, Amazon.RegionEndpoint? alternate)
    {
        var parameters = new EndpointParameters();
        parameters["Region"] = alternate?.SystemName ?? config.RegionEndpoint?.SystemName;
        parameters["UseFIPS"] = config.UseFIPSEndpoint;
        parameters["Endpoint"] = config.ServiceURL;
        return parameters;
    }

    protected override void ServiceSpecificHandler(IExecutionContext executionContext, EndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        ArgumentNullException.ThrowIfNull(parameters);

        // With a configured endpoint (a local peer, a VPC endpoint's DNS name) the signer would take
        // the region from the host name and fall back to us-east-1; the credential scope must name
        // the function's region, as it does against the regional endpoint.
        var request = executionContext.RequestContext.Request;
        if (string.IsNullOrEmpty(request.AuthenticationRegion) && parameters["Region"] is string region && region.Length > 0)
        {
            request.AuthenticationRegion = region;
        }
    }

    protected override EndpointParameters MapEndpointsParameters(IRequestContext requestContext)
    {
        ArgumentNullException.ThrowIfNull(requestContext);
        return Parameters(requestContext.ClientConfig, requestContext.Request.AlternateEndpoint);
    }
}

/// <summary>Step Functions signs every operation with SigV4.</summary>
internal sealed class StepFunctionsAuthSchemeHandler : BaseAuthResolverHandler
{
    protected override List<IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext) => AuthSchemeOption.DEFAULT_SIGV4;
}
