package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine a run was measured on, stated in every report: results mean little without it.
 *
 * @param cores       available processors
 * @param memoryMb    total memory
 * @param cpu         CPU model
 * @param jdk         the JDK's version and VM
 * @param os          OS name and kernel
 * @param openFiles   this process's open-file limit (soft)
 */
record Machine(int cores, long memoryMb, String cpu, String jdk, String os, long openFiles) {

    static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(), totalMemoryMb(), cpuModel(),
                System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version"), openFileLimit());
    }

    private static long totalMemoryMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    static long openFileLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String[] f = l.substring(14).strip().split("\\s+");
                    return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    String summary() {
        return cores + " cores, " + memoryMb + " MiB, " + cpu + "; " + jdk + "; " + os + "; open-file limit " + openFiles;
    }
}
