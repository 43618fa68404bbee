namespace LeaseManager.Observability;

/// <summary>One extra key of a log line or EMF document; typed so writing needs no reflection (AOT).</summary>
public readonly record struct LogField(string Key, string? Text = null, long? Number = null, bool? Flag = null, bool RawJson = false)
{
    public static LogField Of(string key, string? value) => new(key, Text: value);

    public static LogField Of(string key, long? value) => new(key, Number: value);

    public static LogField Of(string key, bool? value) => new(key, Flag: value);

    /// <summary>A value that is already JSON (the invocation event) and is embedded as such.</summary>
    public static LogField Json(string key, string json) => new(key, Text: json, RawJson: true);

    public void WriteTo(System.Text.Json.Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (RawJson && Text is not null)
        {
            writer.WritePropertyName(Key);
            writer.WriteRawValue(Text, skipInputValidation: false);
        }
        else if (Text is not null)
        {
            writer.WriteString(Key, Text);
        }
        else if (Number is { } n)
        {
            writer.WriteNumber(Key, n);
        }
        else if (Flag is { } b)
        {
            writer.WriteBoolean(Key, b);
        }
    }
}
