package dev.loomkit.comparison;

import dev.loomkit.comparison.bench.Microbenchmarks;
import dev.loomkit.comparison.bench.ParkedThreads;
import dev.loomkit.comparison.compare.CompareCommand;
import dev.loomkit.comparison.compare.RunDiff;
import dev.loomkit.comparison.demo.Backend;
import dev.loomkit.comparison.demo.BareServer;
import dev.loomkit.comparison.demo.DemoServer;
import dev.loomkit.comparison.load.LoadCommand;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine;

/**
 * The entry point of {@code ./loomkit run} (the comparison, or one of its commands) and
 * {@code ./loomkit serve}. The comparison is the command itself; {@code bench}, {@code diff},
 * {@code demo}, {@code bare} and {@code serve} are its subcommands, and {@code load},
 * {@code backend} and {@code parked}, the comparison's child processes, are hidden ones.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /**
     * Runs the command line.
     *
     * @return the exit status: 0, or 2 for a command line that is wrong (said on {@code err})
     */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        return Cli.execute(commands(out), args, out, err);
    }

    /** {@return the comparison with its commands, writing to {@code out}} */
    static CommandLine commands(PrintStream out) {
        return new CommandLine(new CompareCommand(out))
                .addSubcommand(new Microbenchmarks.BenchCommand(out))
                .addSubcommand(new RunDiff.DiffCommand(out))
                .addSubcommand(new ToolkitDemo.DemoCommand(out))
                .addSubcommand(new BareServer.BareCommand())
                .addSubcommand(new DemoServer.ServeCommand())
                .addSubcommand(new LoadCommand(out))
                .addSubcommand(new Backend.BackendCommand())
                .addSubcommand(new ParkedThreads.ParkedCommand());
    }
}
