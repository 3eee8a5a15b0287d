package dev.ferry.support;

import java.util.ArrayList;
import java.util.List;

/** The messages of an exception and of each of its causes: where a start-up failure says what went wrong. */
public final class Causes {

    private Causes() {
    }

    public static List<String> messages(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }
}
