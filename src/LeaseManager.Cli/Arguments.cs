using System.Globalization;

namespace LeaseManager.Cli;

/// <summary>The command line is wrong: exit code 2, with the message and a pointer to --help.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What one command accepts: options that take a value, and flags.</summary>
internal sealed record CommandSpec(string Name, string Summary, string Usage, IReadOnlyList<string> Options, IReadOnlyList<string> Flags);

/// <summary>
/// The parsed command line of one command: <c>--name value</c> or <c>--name=value</c>, flags, no
/// positional arguments. Unknown, repeated or value-less options are usage errors.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments(CommandSpec spec) => Spec = spec;

    public CommandSpec Spec { get; }

    public static Arguments Parse(CommandSpec spec, IReadOnlyList<string> args)
    {
        var parsed = new Arguments(spec);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h")
            {
                arg = "--help";
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}' (every argument is an --option)");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (spec.Flags.Contains(name) || name == "help")
            {
                if (equals > 0)
                {
                    throw new UsageException($"--{name} takes no value");
                }

                if (!parsed._flags.Add(name))
                {
                    throw new UsageException($"--{name} is given twice");
                }

                continue;
            }

            if (!spec.Options.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value");
            }

            if (!parsed._values.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice");
            }
        }

        return parsed;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Value(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public string Required(string name, string? fallback = null) =>
        Value(name) ?? (string.IsNullOrEmpty(fallback) ? throw new UsageException($"--{name} is required") : fallback);

    public int? Int(string name, int min, int max)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }

    /// <summary>Exactly one of <paramref name="names"/> (options or flags) must be given.</summary>
    public void ExactlyOne(params string[] names)
    {
        var given = names.Count(n => Has(n) || Flag(n));
        if (given != 1)
        {
            throw new UsageException($"give exactly one of {string.Join(", ", names.Select(n => "--" + n))}");
        }
    }
}
