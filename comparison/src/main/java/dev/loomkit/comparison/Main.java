package dev.loomkit.comparison;

import java.io.PrintStream;
import dev.loomkit.comparison.demo.DemoServer;
import java.util.List;

/**
 * The main job's entry point, run by {@code ./loomkit run}. Until the comparison harness lands it
 * runs the toolkit demo.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.contains("--help") || args.contains("-h")) {
            out.println("usage: ./loomkit run            run the toolkit demo and print what it did");
            out.println("       ./loomkit serve [--mode virtual|platform] [--port 8080] [--pool 200] [--max-connections N] [--access-log]");
            return 0;
        }
        if (!args.isEmpty() && args.getFirst().equals("serve")) {
            try {
                DemoServer.serve(args.subList(1, args.size()));
                return 0;
            } catch (IllegalArgumentException e) {
                err.println("serve: " + e.getMessage());
                return 2;
            }
        }
        if (!args.isEmpty()) {
            err.println("unknown arguments " + args + "; try --help");
            return 2;
        }
        out.printf("loomkit toolkit demo on %s %s, %d cores%n%n", System.getProperty("java.vm.name"),
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        new ToolkitDemo(out).run();
        return 0;
    }
}
