using System.Text;
using System.Text.Json;
using LeaseManager.Contract;

namespace LeaseManager.Tests.Contract;

/// <summary>The JSON contract as the tests drive it: a payload in, the parsed answer or the typed refusal out.</summary>
internal static class ContractCalls
{
    /// <summary>Invokes the handler with <paramref name="payload"/> and parses what it answered.</summary>
    public static async Task<JsonElement> InvokeJsonAsync(this LeaseFunction function, string payload) =>
        JsonDocument.Parse(await function.InvokeAsync(Encoding.UTF8.GetBytes(payload))).RootElement.Clone();

    /// <summary>Asserts that the handler refuses <paramref name="payload"/> as <c>LeaseManager.InvalidRequest</c>; returns the error.</summary>
    public static async Task<InvalidRequestException> ShouldRefuseAsync(this LeaseFunction function, string payload)
    {
        var act = () => function.InvokeAsync(Encoding.UTF8.GetBytes(payload));
        var error = (await act.Should().ThrowAsync<InvalidRequestException>()).Which;
        error.ErrorType.Should().Be("LeaseManager.InvalidRequest");
        return error;
    }

    /// <summary>Asserts that the handler refuses <paramref name="payload"/> naming <paramref name="expectedMessage"/>, and that nothing was written.</summary>
    public static async Task ShouldRefuseAndWriteNothingAsync(this LeaseFunction function, LeaseTable table, string payload, string expectedMessage)
    {
        (await function.ShouldRefuseAsync(payload)).Message.Should().Contain(expectedMessage);
        (await table.ItemsAsync()).Should().BeEmpty();
    }
}
