namespace LeaseManager.Tests.Contract;

/// <summary>The set-up of the contract tests whose pools hand slots to queued waiters: a fresh table and a notifier that records each hand-off.</summary>
public abstract class CallbackContractTest : LeaseTableTest
{
    /// <summary>An <c>owner_id</c> as the fragments pass it: the execution's ARN.</summary>
    protected const string Owner = "arn:aws:states:eu-central-1:1:execution:sm:e1";

    private protected RecordingNotifier Notifier { get; } = new();
}
