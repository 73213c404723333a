package dev.loomkit.comparison.load;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Parses the load generator's command line (it is started by the comparison, not by people). */
public final class LoadCommand {
    private LoadCommand() {
    }

    public static void run(List<String> args, PrintStream out) throws InterruptedException {
        InetSocketAddress target = null;
        String path = "/hello";
        String host = "loomkit";
        List<Integer> points = new ArrayList<>();
        Duration warmup = Duration.ofSeconds(1);
        Duration duration = Duration.ofSeconds(3);
        Duration timeout = Duration.ofSeconds(3);
        double rate = 0;
        int sources = 1;
        double abandonShare = 0;
        Duration abandonAfter = Duration.ZERO;
        boolean idle = false;
        boolean paced = false;
        String hlog = null;
        for (int i = 0; i + 1 < args.size(); i += 2) {
            String v = args.get(i + 1);
            switch (args.get(i)) {
                case "--target" -> {
                    int colon = v.lastIndexOf(':');
                    target = new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
                }
                case "--path" -> path = v;
                case "--host" -> host = v;
                case "--points" -> {
                    for (String p : v.split(",")) {
                        points.add(Integer.parseInt(p));
                    }
                }
                case "--warmup" -> warmup = Duration.ofMillis(Long.parseLong(v));
                case "--duration" -> duration = Duration.ofMillis(Long.parseLong(v));
                case "--timeout" -> timeout = Duration.ofMillis(Long.parseLong(v));
                case "--rate" -> rate = Double.parseDouble(v);
                case "--sources" -> sources = Integer.parseInt(v);
                case "--idle" -> idle = Boolean.parseBoolean(v);
                case "--paced" -> paced = Boolean.parseBoolean(v);
                case "--hlog" -> hlog = v;
                case "--abandon" -> {
                    String[] f = v.split(":");
                    abandonShare = Double.parseDouble(f[0]);
                    abandonAfter = Duration.ofMillis(Long.parseLong(f[1]));
                }
                default -> throw new IllegalArgumentException("unknown load option " + args.get(i));
            }
        }
        if (target == null || points.isEmpty()) {
            throw new IllegalArgumentException("load needs --target host:port and --points");
        }
        new LoadGenerator(new LoadGenerator.Plan(target, host, path, points, warmup, duration, timeout, rate, sources,
                abandonShare, abandonAfter, idle, hlog), out, paced
                ? new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
                : null).run();
    }
}
