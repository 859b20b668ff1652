package io.dsrgw.harness.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Insmod order for kernel modules of an unpacked {@code linux-image} tree, without depmod: each {@code .ko} carries
 * its direct dependencies in the {@code .modinfo} section as the NUL-terminated string
 * {@code depends=a,b,c}; a depth-first walk puts every dependency before its user. Module names compare with
 * {@code -} and {@code _} equal, as the kernel does.
 */
public final class KernelModules {
    private static final byte[] DEPENDS = "depends=".getBytes(StandardCharsets.US_ASCII);

    private final Path moduleDir;
    private final Map<String, Path> pathByName;
    private final Set<String> builtin;

    private KernelModules(Path moduleDir, Map<String, Path> pathByName, Set<String> builtin) {
        this.moduleDir = moduleDir;
        this.pathByName = pathByName;
        this.builtin = builtin;
    }

    /** Indexes every {@code .ko} under {@code moduleDir} ({@code lib/modules/RELEASE}) and its modules.builtin. */
    public static KernelModules index(Path moduleDir) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        try (Stream<Path> s = Files.walk(moduleDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String f = p.getFileName().toString();
                if (f.endsWith(".ko")) {
                    byName.put(normalize(f.substring(0, f.length() - 3)), p);
                }
            }
        }
        Set<String> builtin = new HashSet<>();
        Path builtinList = moduleDir.resolve("modules.builtin");
        if (Files.exists(builtinList)) {
            for (String line : Files.readAllLines(builtinList)) {
                String f = line.substring(line.lastIndexOf('/') + 1);
                if (f.endsWith(".ko")) {
                    builtin.add(normalize(f.substring(0, f.length() - 3)));
                }
            }
        }
        return new KernelModules(moduleDir, byName, builtin);
    }

    /**
     * Paths relative to the module directory, dependencies first, each module once. Names the kernel has built in
     * (modules.builtin) are skipped, since insmod has nothing to load for them.
     *
     * @throws IOException naming the module when one is neither a {@code .ko} file nor built in
     */
    public List<Path> loadOrder(List<String> names) throws IOException {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        for (String n : names) {
            visit(normalize(n), new ArrayList<>(), order);
        }
        List<Path> out = new ArrayList<>();
        for (String n : order) {
            out.add(moduleDir.relativize(pathByName.get(n)));
        }
        return out;
    }

    private void visit(String name, List<String> chain, Set<String> order) throws IOException {
        if (order.contains(name)) {
            return;
        }
        if (!pathByName.containsKey(name)) {
            if (builtin.contains(name)) {
                return;
            }
            throw new IOException("kernel module " + name + (chain.isEmpty() ? "" : " (needed by " + String.join(
                    " <- ", chain.reversed()) + ")") + " not found under " + moduleDir
                    + " (expected: a .ko file in the unpacked tree or an entry in modules.builtin)");
        }
        if (chain.contains(name)) {
            throw new IOException("kernel module dependency cycle: " + String.join(" -> ", chain) + " -> " + name);
        }
        chain.add(name);
        for (String d : dependencies(pathByName.get(name))) {
            visit(d, chain, order);
        }
        chain.remove(chain.size() - 1);
        order.add(name);
    }

    /** The direct dependencies recorded in the module's {@code depends=} modinfo string (empty when none). */
    static List<String> dependencies(Path ko) throws IOException {
        return parseDepends(Files.readAllBytes(ko));
    }

    static List<String> parseDepends(byte[] ko) {
        int i = -1;
        for (int from = 0; (from = VmlinuxExtractor.indexOf(ko, DEPENDS, from)) >= 0; from++) {
            // A modinfo key starts a NUL-separated entry: "...\0depends=a,b\0..."
            if (from == 0 || ko[from - 1] == 0) {
                i = from;
                break;
            }
        }
        List<String> deps = new ArrayList<>();
        if (i < 0) {
            return deps;
        }
        int start = i + DEPENDS.length;
        int end = start;
        while (end < ko.length && ko[end] != 0) {
            end++;
        }
        for (String d : new String(ko, start, end - start, StandardCharsets.US_ASCII).split(",")) {
            if (!d.isBlank()) {
                deps.add(normalize(d.strip()));
            }
        }
        return deps;
    }

    static String normalize(String module) {
        return module.replace('-', '_');
    }
}
