package dev.streamchat.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --name value} options of a benchmark command, with their defaults; every value used is reported. */
public final class Options {

    private final Map<String, String> given;
    private final Map<String, Object> used = new LinkedHashMap<>();

    public Options(Map<String, String> given) {
        this.given = Map.copyOf(given);
    }

    public static Options parse(String[] args, int from) {
        var given = new LinkedHashMap<String, String>();
        for (int i = from; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            String name = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                given.put(name, args[++i]);
            } else {
                given.put(name, "true");
            }
        }
        return new Options(given);
    }

    /** The same options given, none read yet: each scenario of a run reports only what it read itself. */
    public Options fresh() {
        return new Options(given);
    }

    public int integer(String name, int fallback) {
        int value = given.containsKey(name) ? Integer.parseInt(given.get(name)) : fallback;
        used.put(name, value);
        return value;
    }

    public String string(String name, String fallback) {
        String value = given.getOrDefault(name, fallback);
        used.put(name, value);
        return value;
    }

    public boolean flag(String name) {
        boolean value = Boolean.parseBoolean(given.getOrDefault(name, "false"));
        used.put(name, value);
        return value;
    }

    /** Every option a scenario read, with the value it used. */
    public Map<String, Object> used() {
        return Map.copyOf(used);
    }
}
