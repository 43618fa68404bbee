using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>The operator's writes: the limit stored at run time, on the gate item every pool read sees first.</summary>
internal sealed partial class SlotStore
{
    /// <summary>
    /// Stores <paramref name="limit"/> (null: removes it, so the configured limit applies) and moves
    /// the gate on in the same write, so a gated claim that read the old limit fails and reads again.
    /// </summary>
    /// <returns>The limit stored before, or null when none was.</returns>
    public async Task<int?> StoreLimitAsync(int? limit, CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#v"] = GateVersionAttribute, ["#limit"] = LimitAttribute };
        var values = new Dictionary<string, AttributeValue> { [":one"] = N(1) };
        string update;
        if (limit is { } value)
        {
            update = "SET #limit = :limit ADD #v :one";
            values[":limit"] = N(value);
        }
        else
        {
            update = "REMOVE #limit ADD #v :one";
        }

        var answer = await Call(() => _db.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = _options.TableName,
                Key = Key(GateKey),
                UpdateExpression = update,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.UPDATED_OLD,
            },
            ct)).ConfigureAwait(false);
        return GetLong(answer.Attributes, LimitAttribute) is { } old ? (int)Math.Clamp(old, 1, LeasePoolOptions.MaxSlots) : null;
    }
}
