package dev.ferry;

/**
 * Start-up refused for a reason its message says in full (what is missing or wrong, where, and how to fix it):
 * logged without a stack trace, exit code 1.
 */
public final class StartupRefused extends IllegalArgumentException {

    public StartupRefused(String message) {
        super(message);
    }
}
