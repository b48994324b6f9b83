package io.sluice.core.registry;

import java.util.regex.Pattern;

/** The naming rules shared by every entry point, so the gateway, CLI and Java API reject the same names. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern CLASS = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    private Names() {
    }

    /**
     * @param kind what is named, for the message ("function", "pipeline")
     * @param name the name
     * @return the name
     * @throws IllegalArgumentException if it is not 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit
     */
    public static String checkName(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(kind + " name '" + name
                    + "' is invalid: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    /** @throws IllegalArgumentException if {@code topic} is not a legal Kafka topic name */
    public static String checkTopic(String topic) {
        if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("topic name '" + topic
                    + "' is invalid: Kafka allows 1-249 letters, digits, '.', '_' and '-'");
        }
        return topic;
    }

    /** @throws IllegalArgumentException if {@code className} is not a binary Java class name */
    public static String checkClassName(String className) {
        if (className == null || !CLASS.matcher(className).matches()) {
            throw new IllegalArgumentException("class name '" + className + "' is not a Java class name like com.acme.Enrich");
        }
        return className;
    }
}
