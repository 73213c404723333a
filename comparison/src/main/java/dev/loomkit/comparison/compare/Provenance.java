package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Where a report came from: the commit of the code that produced it, as git tells it. */
final class Provenance {
    private static volatile String commit;

    private Provenance() {
    }

    /** {@return the commit checked out in the working directory, with "-dirty" if it has changes, or "unknown" without git} */
    static String commit() {
        String c = commit;
        if (c == null) {
            String head = git("rev-parse", "HEAD");
            String changes = git("status", "--porcelain", "--untracked-files=no");
            c = head == null ? "unknown" : head + (changes == null || changes.isEmpty() ? "" : "-dirty");
            commit = c;
        }
        return c;
    }

    private static String git(String... args) {
        var command = new java.util.ArrayList<String>();
        command.add("git");
        command.addAll(java.util.List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
