using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Leasing;

/// <summary>
/// A transaction item's write sent on its own: where a write needs no second item, one plain request
/// (half the write units of a transaction) carries exactly what the item describes.
/// </summary>
internal sealed partial class SlotStore
{
    private static PutItemRequest Alone(Put put) => new()
    {
        TableName = put.TableName,
        Item = put.Item,
        ConditionExpression = put.ConditionExpression,
        ExpressionAttributeNames = put.ExpressionAttributeNames,
        ExpressionAttributeValues = put.ExpressionAttributeValues,
        ReturnValuesOnConditionCheckFailure = put.ReturnValuesOnConditionCheckFailure,
    };

    private static DeleteItemRequest Alone(Delete delete) => new()
    {
        TableName = delete.TableName,
        Key = delete.Key,
        ConditionExpression = delete.ConditionExpression,
        ExpressionAttributeNames = delete.ExpressionAttributeNames,
        ExpressionAttributeValues = delete.ExpressionAttributeValues,
    };

    private static UpdateItemRequest Alone(Update update) => new()
    {
        TableName = update.TableName,
        Key = update.Key,
        UpdateExpression = update.UpdateExpression,
        ConditionExpression = update.ConditionExpression,
        ExpressionAttributeNames = update.ExpressionAttributeNames,
        ExpressionAttributeValues = update.ExpressionAttributeValues,
    };
}
