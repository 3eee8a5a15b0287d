package dev.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The protocol between the harness and a child JVM (Ferry or the baseline): the child writes
 * {@code @bench <event> <json>} lines on stdout and reads one command a line on stdin.
 */
final class Child {

    static final String PREFIX = "@bench ";

    private static final PrintStream OUT = System.out;
    private static final BufferedReader IN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private Child() {
    }

    static synchronized void report(String event, String json) {
        OUT.println(PREFIX + event + " " + json);
        OUT.flush();
    }

    /** The next command from the harness, or "stop" when the harness has gone. */
    static String command() throws IOException {
        String line = IN.readLine();
        return line == null ? "stop" : line.trim();
    }

    static String quote(String text) {
        return text == null ? "null" : "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
