using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Tests.Leasing;

/// <summary>A cancelled transaction is retryable only when every reason is contention or throttling.</summary>
public sealed class TransactionCancellationTests
{
    [Theory]
    [InlineData("TransactionConflict")]
    [InlineData("ThrottlingError")]
    [InlineData("ProvisionedThroughputExceeded")]
    [InlineData("None,TransactionConflict")]
    [InlineData("ConditionalCheckFailed,ThrottlingError")]
    public void Contention_and_throttling_are_TransientFailure(string codes) =>
        SlotStore.Transient("acquire", Cancelled(codes)).ErrorType.Should().Be(TransientFailureException.Name);

    [Theory]
    [InlineData("ValidationError")]
    [InlineData("ItemCollectionSizeLimitExceeded")]
    [InlineData("None,ValidationError")]
    [InlineData("TransactionConflict,ValidationError")]
    public void A_request_DynamoDB_will_never_accept_is_InternalError(string codes)
    {
        var error = SlotStore.Transient("renew", Cancelled(codes));

        error.ErrorType.Should().Be(InternalErrorException.Name);
        error.Message.Should().Contain(codes.Split(',').Last());
    }

    private static TransactionCanceledException Cancelled(string codes) => new("Transaction cancelled")
    {
        CancellationReasons = codes.Split(',').Select(c => new CancellationReason { Code = c }).ToList(),
    };
}
