package dev.loomkit.comparison.compare;

import java.io.IOException;

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
            var r = Subprocess.run(command, java.time.Duration.ofSeconds(10));
            return r.exitCode() == 0 ? r.output().strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
