package dev.streamchat.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reading the maps and lists SnakeYAML makes of a YAML document, where a missing node is an empty one. */
final class Tree {

    private Tree() {}

    /** The node at {@code path} (map keys as strings, list indexes as integers), or null where there is none. */
    static @Nullable Object at(@Nullable Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            if (current instanceof Map<?, ?> map && step instanceof String key) {
                current = map.get(key);
            } else if (current instanceof List<?> list && step instanceof Integer index && index < list.size()) {
                current = list.get(index);
            } else {
                return null;
            }
        }
        return current;
    }

    /** The node as a map; an empty map for null, a failure for anything else. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(@Nullable Object node) {
        if (node == null) {
            return Map.of();
        }
        if (node instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException("not a mapping: " + node);
    }

    /** The node as a list; an empty list for null, a failure for anything else. */
    @SuppressWarnings("unchecked")
    static List<Object> list(@Nullable Object node) {
        if (node == null) {
            return List.of();
        }
        if (node instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw new IllegalArgumentException("not a sequence: " + node);
    }

    /** The node as text (a scalar's value), or null where there is none. */
    static @Nullable String string(@Nullable Object node) {
        return node == null ? null : String.valueOf(node);
    }

    /** The node as text, or {@code ""}. */
    static String text(@Nullable Object node) {
        return node == null ? "" : String.valueOf(node);
    }

    /** A deep copy of maps and lists (scalars are shared), for tests that break a copy on purpose. */
    @SuppressWarnings("unchecked")
    static <T> T copy(T node) {
        if (node instanceof Map<?, ?> map) {
            var copy = new LinkedHashMap<Object, Object>();
            map.forEach((key, value) -> copy.put(key, value == null ? null : copy(value)));
            return (T) copy;
        }
        if (node instanceof List<?> list) {
            var copy = new ArrayList<Object>();
            list.forEach(value -> copy.add(value == null ? null : copy(value)));
            return (T) copy;
        }
        return node;
    }

    /**
     * A nested configuration as Spring sees it: one entry per leaf, named by its dotted path ({@code a.b[0].c}). Keys
     * that are already dotted ({@code spring.cloud.function.definition: ...}) end up the same way.
     */
    static Map<String, Object> flatten(Map<String, Object> tree) {
        var flat = new LinkedHashMap<String, Object>();
        flatten("", tree, flat);
        return flat;
    }

    private static void flatten(String prefix, @Nullable Object node, Map<String, Object> flat) {
        if (node instanceof Map<?, ?> map) {
            map.forEach(
                    (key, value) -> flatten(prefix.isEmpty() ? String.valueOf(key) : prefix + "." + key, value, flat));
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + "[" + i + "]", list.get(i), flat);
            }
        } else if (node != null) {
            flat.put(prefix, node);
        }
    }
}
