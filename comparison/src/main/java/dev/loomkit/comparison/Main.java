package dev.loomkit.comparison;

import java.io.PrintStream;
import dev.loomkit.comparison.bench.Microbenchmarks;
import dev.loomkit.comparison.bench.ParkedThreads;
import dev.loomkit.comparison.compare.Comparison;
import dev.loomkit.comparison.demo.Backend;
import dev.loomkit.comparison.demo.BareServer;
import dev.loomkit.comparison.demo.DemoServer;
import dev.loomkit.comparison.load.LoadCommand;
import java.util.List;

/**
 * The entry point of {@code ./loomkit run} (the comparison, or {@code demo}) and {@code ./loomkit serve};
 * {@code load} and {@code backend} are the comparison's child processes.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        String command = args.isEmpty() ? "compare" : args.getFirst();
        List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
        if (args.contains("--help") || args.contains("-h")) {
            out.println(Comparison.help());
            return 0;
        }
        try {
            switch (command) {
                case "demo" -> {
                    if (!rest.isEmpty()) {
                        err.println("demo takes no arguments; got " + rest);
                        return 2;
                    }
                    out.printf("loomkit toolkit demo on %s %s, %d cores%n%n", System.getProperty("java.vm.name"),
                            Runtime.version(), Runtime.getRuntime().availableProcessors());
                    new ToolkitDemo(out).run();
                }
                case "serve" -> DemoServer.serve(rest);
                case "bare" -> BareServer.serve(rest);
                case "backend" -> Backend.serve(rest.isEmpty() ? 0 : Integer.parseInt(rest.getFirst()));
                case "load" -> LoadCommand.run(rest, out);
                case "bench" -> new Microbenchmarks(rest, out).run();
                case "diff" -> dev.loomkit.comparison.compare.RunDiff.run(rest, out);
                case "parked" -> ParkedThreads.main(rest.get(0), Integer.parseInt(rest.get(1)));
                default -> new Comparison(args, out).run();
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(command + ": " + e.getMessage());
            return 2;
        }
    }
}
