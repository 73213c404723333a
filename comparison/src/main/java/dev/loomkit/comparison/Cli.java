package dev.loomkit.comparison;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * The command line, the same way for every command: picocli parses it into a command object (typed
 * options, generated help), and a mistake is an {@link IllegalArgumentException} that says what
 * was wrong, which {@link Main} turns into exit status 2.
 *
 * <pre>{@code
 * var diff = Cli.parse(new DiffCommand(out), List.of("reports/a", "reports/b"));
 * }</pre>
 */
public final class Cli {
    private Cli() {
    }

    /**
     * Parses {@code args} into {@code command}'s options and parameters.
     *
     * @return {@code command}, filled in
     * @throws IllegalArgumentException if an option is unknown, lacks its value, or has one of the
     *                                  wrong kind (a fraction where a whole number goes)
     */
    public static <T> T parse(T command, List<String> args) {
        try {
            configure(new CommandLine(command)).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return command;
    }

    /**
     * The parser's settings, the same for every command: no {@code @file} expansion (a report
     * records the command line as given, which must be what ran), and a value may be spelt like a
     * command ({@code --out demo}).
     */
    static CommandLine configure(CommandLine cli) {
        return cli.setExpandAtFiles(false).setAllowSubcommandsAsOptionParameters(true);
    }

    /**
     * Refuses a list option given more than once: picocli would add the values up, and
     * {@code --connections 10,100 --connections 1000} once meant 1000 alone.
     *
     * @throws IllegalArgumentException naming the option
     */
    public static void once(List<String> args, String... options) {
        for (String option : options) {
            long times = args.stream().filter(a -> a.equals(option) || a.startsWith(option + "=")).count();
            if (times > 1) {
                throw new IllegalArgumentException(option + " was given " + times + " times: give it once, its values separated "
                        + "by commas");
            }
        }
    }

    /** {@return the generated help of {@code command}} */
    public static String usage(Object command) {
        return new CommandLine(command).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /**
     * Runs {@code cli} on {@code args}: help to {@code out}; a mistake in the command line, or an
     * {@link IllegalArgumentException} from the command, to {@code err} as one line naming the
     * command, with exit status 2. Any other failure propagates.
     *
     * @return the exit status
     */
    static int execute(CommandLine cli, List<String> args, PrintStream out, PrintStream err) {
        configure(cli);
        cli.setExecutionStrategy(parsed -> {
            // The comparison's options go with the comparison: before a command they would be dropped.
            if (parsed.subcommand() != null && parsed.matchedOptions().stream().anyMatch(o -> !o.usageHelp())) {
                throw new CommandLine.ParameterException(cli, "the comparison's options do not go before a command: "
                        + parsed.matchedOptions().stream().map(o -> o.longestName()).toList() + " before '"
                        + parsed.subcommand().commandSpec().name() + "'");
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cli.setParameterExceptionHandler((e, given) -> {
            CommandLine failed = e.getCommandLine();
            err.println(failed.getCommandName() + ": " + e.getMessage() + " (see " + failed.getCommandSpec().qualifiedName()
                    + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                err.println(failed.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args.toArray(String[]::new));
    }

    /** The help option every command has. */
    public static final class Help {
        @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Print this help and exit.")
        boolean help;
    }

    /** A count or a number of milliseconds: {@code 1.5} is refused, not read as 1, and so is a negative. */
    public static final class Whole implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            try {
                long n = Long.parseLong(v.strip());
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new CommandLine.TypeConversionException("needs a whole non-negative number, got '" + v + "'");
        }
    }
}
