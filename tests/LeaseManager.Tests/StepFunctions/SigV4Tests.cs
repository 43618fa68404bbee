namespace LeaseManager.Tests.StepFunctions;

/// <summary>
/// The endpoint's SigV4 check against AWS's published signature test vectors (the aws-sig-v4 test
/// suite: credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service"), so a
/// signature it accepts is one AWS would accept.
/// </summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static readonly KeyValuePair<string, string>[] VanillaHeaders =
    [
        new("Host", "example.amazonaws.com"),
        new("X-Amz-Date", "20150830T123600Z"),
    ];

    [Theory]
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")] // get-vanilla
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")] // post-vanilla
    public void The_published_vanilla_vectors_sign_as_AWS_says(string method, string expected)
    {
        var signature = SigV4.Signature(method, "/", "", VanillaHeaders, ["host", "x-amz-date"], EmptySha256, "20150830T123600Z", "us-east-1", "service", Secret);

        signature.Should().Be(expected);
    }

    [Fact]
    public void Header_values_are_trimmed_and_their_inner_spaces_collapsed()
    {
        KeyValuePair<string, string>[] spaced = [new("Host", "  example.amazonaws.com "), new("X-Amz-Date", "20150830T123600Z")];

        SigV4.Signature("GET", "/", "", spaced, ["host", "x-amz-date"], EmptySha256, "20150830T123600Z", "us-east-1", "service", Secret)
            .Should().Be("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }
}
