package dev.ferry.security;

import java.security.AccessController;
import java.security.Principal;
import java.util.Optional;

import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;

/**
 * Who invokes an MBean operation, for the audit of what it changes: the user Ferry's Jolokia authenticated
 * (it calls the MBean on the request's own thread), else the principal of an authenticated JMX connection,
 * else {@value #UNKNOWN}.
 */
public final class JmxCaller {

    /** A JMX client that did not authenticate (a local attach by the same OS user). */
    public static final String UNKNOWN = "jmx";

    private static final ThreadLocal<String> JOLOKIA = new ThreadLocal<>();

    private JmxCaller() {
    }

    /** Runs a Jolokia request on behalf of this caller. */
    public static void as(String name, Runnable request) {
        String before = JOLOKIA.get();
        JOLOKIA.set(name);
        try {
            request.run();
        } finally {
            if (before == null) {
                JOLOKIA.remove();
            } else {
                JOLOKIA.set(before);
            }
        }
    }

    /** The name to record as having done what the current MBean operation does. */
    public static String name() {
        String jolokia = JOLOKIA.get();
        if (jolokia != null) {
            return jolokia;
        }
        return jmxPrincipal().orElse(UNKNOWN);
    }

    @SuppressWarnings("removal")
    private static Optional<String> jmxPrincipal() {
        // the JMX connector server runs a remote call as its authenticated Subject (deprecated API, no replacement on 17)
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) {
            return Optional.empty();
        }
        return subject.getPrincipals(JMXPrincipal.class).stream().map(Principal::getName).findFirst();
    }
}
