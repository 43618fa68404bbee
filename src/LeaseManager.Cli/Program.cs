namespace LeaseManager.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await Cli.RunAsync(args, Console.Out, Console.Error, CliEnvironment.FromProcess(), cancel.Token).ConfigureAwait(false);
    }
}
