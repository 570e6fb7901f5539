package io.sextant.platform.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * The package cycles of a module, read from its compiled classes with the JDK's {@code jdeps}
 * (no library needed): a module's packages must form a graph without cycles, so that each can be
 * read, tested and moved on its own. A module's test calls {@link #of} on {@code target/classes}
 * and asserts that the list is empty.
 */
public final class PackageCycles {

    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s");

    private PackageCycles() {}

    /**
     * The cycles among the packages under {@code prefix} in the compiled classes: each one the sorted
     * names of packages that depend on each other, directly or through others; empty when there are none.
     */
    public static List<Set<String>> of(Path classes, String prefix) {
        if (!Files.isDirectory(classes)) {
            throw new IllegalArgumentException(classes.toAbsolutePath() + " is not a directory of compiled classes");
        }
        return of(dependencies(classes, prefix));
    }

    /** The cycles of a graph of packages: the strongly connected components of more than one package. */
    public static List<Set<String>> of(Map<String, Set<String>> dependencies) {
        return new Tarjan(dependencies).cycles;
    }

    /** Package → the packages it uses, among those under the prefix, from {@code jdeps -verbose:package}. */
    static Map<String, Set<String>> dependencies(Path classes, String prefix) {
        final ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                                               .orElseThrow(() -> new IllegalStateException("this JDK has no jdeps"));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package",
                                   classes.toString());
        if (exit != 0) {
            throw new IllegalStateException("jdeps failed (" + exit + "): " + err);
        }
        final Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            final Matcher edge = EDGE.matcher(line);
            if (edge.find() && inside(edge.group(1), prefix) && inside(edge.group(2), prefix)
                && !edge.group(1).equals(edge.group(2))) {
                graph.computeIfAbsent(edge.group(1), p -> new TreeSet<>()).add(edge.group(2));
            }
        }
        return graph;
    }

    private static boolean inside(String name, String prefix) {
        return name.equals(prefix) || name.startsWith(prefix + ".");
    }

    /** Tarjan's strongly connected components. */
    private static final class Tarjan {

        private final Map<String, Set<String>> graph;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> lowLink = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new TreeSet<>();
        private final List<Set<String>> cycles = new ArrayList<>();

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
            for (String node : new TreeSet<>(graph.keySet())) {
                if (!index.containsKey(node)) {
                    visit(node);
                }
            }
        }

        private void visit(String node) {
            index.put(node, index.size());
            lowLink.put(node, index.get(node));
            stack.push(node);
            onStack.add(node);
            for (String next : graph.getOrDefault(node, Set.of())) {
                if (!index.containsKey(next)) {
                    visit(next);
                    lowLink.put(node, Math.min(lowLink.get(node), lowLink.get(next)));
                } else if (onStack.contains(next)) {
                    lowLink.put(node, Math.min(lowLink.get(node), index.get(next)));
                }
            }
            if (lowLink.get(node).equals(index.get(node))) {
                final Set<String> component = new TreeSet<>();
                String member;
                do {
                    member = stack.pop();
                    onStack.remove(member);
                    component.add(member);
                } while (!member.equals(node));
                if (component.size() > 1) {
                    cycles.add(component);
                }
            }
        }
    }
}
