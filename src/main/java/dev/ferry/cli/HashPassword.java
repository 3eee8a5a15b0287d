package dev.ferry.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import dev.ferry.security.Passwords;

/**
 * {@code ferry hash-password}: reads a password (from the console without echo, or one line of standard input)
 * and prints it as the users file stores it, so that the file holds no password in clear.
 */
final class HashPassword {

    private HashPassword() {
    }

    static int run(PrintStream out, PrintStream err) throws IOException {
        Console console = System.console();
        String password;
        if (console != null) {
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? null : new String(typed);
        } else {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.isEmpty()) {
            err.println("No password given");
            return 2;
        }
        out.println(Passwords.hash(password));
        return 0;
    }
}
