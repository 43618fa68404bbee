namespace LeaseManager.StepFunctions;

/// <summary>
/// What Step Functions said about a task token. Only <see cref="Accepted"/> means the waiting Task
/// got the answer; the other three mean the waiter is gone (its Task timed out, its execution ended,
/// or the token was never valid) and whatever was meant for it must go to someone else.
/// </summary>
public enum TaskTokenResult
{
    /// <summary>Step Functions took the call: the waiting Task now succeeds, fails or lives on (heartbeat).</summary>
    Accepted,

    /// <summary><c>TaskTimedOut</c>: the Task's <c>TimeoutSeconds</c> or <c>HeartbeatSeconds</c> passed, or its execution ended.</summary>
    TaskTimedOut,

    /// <summary><c>InvalidToken</c>: the token is not one Step Functions issued (or is malformed).</summary>
    InvalidToken,

    /// <summary><c>TaskDoesNotExist</c>: the Task is no longer known to Step Functions (its execution is gone).</summary>
    TaskDoesNotExist,
}

/// <summary>
/// The three task-token calls of the Step Functions API (<c>SendTaskSuccess</c>,
/// <c>SendTaskFailure</c>, <c>SendTaskHeartbeat</c>): how the function completes a
/// <c>.waitForTaskToken</c> Task.
/// </summary>
/// <remarks>
/// Throttling, 5xx and network faults are retried by the SDK's retry policy and then surface as
/// <see cref="TransientFailureException"/>; any other rejection (<c>InvalidOutput</c>, denied access,
/// validation) is a bug or a misconfiguration and surfaces as <see cref="InternalErrorException"/>
/// with the AWS error code in its message.
/// </remarks>
public interface IStepFunctionsTaskClient
{
    /// <summary>Completes the Task successfully; <paramref name="outputJson"/> becomes its result.</summary>
    /// <param name="taskToken">The token the Task handed out (<c>$$.Task.Token</c>).</param>
    /// <param name="outputJson">A JSON document of at most 256 KiB.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    Task<TaskTokenResult> SendTaskSuccessAsync(string taskToken, string outputJson, CancellationToken cancellationToken);

    /// <summary>Fails the Task with <paramref name="error"/> (what <c>Retry</c>/<c>Catch</c> match) and <paramref name="cause"/>.</summary>
    /// <param name="taskToken">The token the Task handed out.</param>
    /// <param name="error">At most 256 characters.</param>
    /// <param name="cause">At most 32,768 characters.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The Step Functions API names the field error.")]
    Task<TaskTokenResult> SendTaskFailureAsync(string taskToken, string error, string cause, CancellationToken cancellationToken);

    /// <summary>Tells Step Functions the Task is still being worked on, resetting its <c>HeartbeatSeconds</c> clock.</summary>
    /// <param name="taskToken">The token the Task handed out.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    Task<TaskTokenResult> SendTaskHeartbeatAsync(string taskToken, CancellationToken cancellationToken);
}
