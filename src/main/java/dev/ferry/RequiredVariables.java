package dev.ferry;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment variables a configuration needs: a value {@code {{env:NAME}}} without a default
 * ({@code {{env:NAME:}}} has one, the empty string). Checked before Camel reads anything, so that a start-up of
 * the {@code prod} profile without its variables stops with one message naming all of them, where they are used,
 * and how to give them — instead of Camel's first failure, or a value of a lower file taking the place of the
 * missing one.
 */
public final class RequiredVariables {

    private static final Pattern ENV = Pattern.compile("\\{\\{env[:.]([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?}}");

    /** A variable that is not set, for this key of this file at this line. */
    public record Missing(String variable, String key, Path file, int line) {
        @Override
        public String toString() {
            return variable + " for " + key + " (" + file + (line > 0 ? ":" + line : "") + ")";
        }
    }

    private RequiredVariables() {
    }

    /**
     * The variables missing from the environment for the values the configuration files give, in the order of the
     * files (the first one that names a key wins, as for Camel). A key given another way — a system property of the
     * name, an override, or Camel's environment variable for the key itself ({@code FERRY_STATE_URL} for
     * {@code ferry.state.url}) — needs nothing.
     */
    public static List<Missing> missing(List<Path> files, Map<String, String> environment, Properties system,
                                        Map<String, String> overrides) throws IOException {
        List<Missing> missing = new ArrayList<>();
        Properties seen = new Properties();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(in);
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                if (seen.containsKey(key)) {
                    continue;
                }
                seen.put(key, file);
                if (system.containsKey(key) || overrides.containsKey(key) || environment.containsKey(environmentName(key))) {
                    continue;
                }
                Matcher m = ENV.matcher(properties.getProperty(key));
                while (m.find()) {
                    if (m.group(2) == null && !environment.containsKey(m.group(1))) {
                        missing.add(new Missing(m.group(1), key, file, lineOf(lines, key)));
                    }
                }
            }
        }
        missing.sort(Comparator.comparing((Missing x) -> files.indexOf(x.file())).thenComparing(Missing::line));
        return missing;
    }

    /** The message for them, on one line (the log encodes line breaks), and how to give them. */
    public static String message(List<Missing> missing, String profile) {
        StringBuilder message = new StringBuilder("Ferry cannot start: ").append(missing.size())
                .append(missing.size() == 1 ? " variable is" : " variables are").append(" not set")
                .append(profile == null || profile.isBlank() ? "" : " (profile " + profile + ")").append(':');
        for (int i = 0; i < missing.size(); i++) {
            message.append(i == 0 ? " " : "; ").append(missing.get(i));
        }
        return message.append(". Set each in the environment, or its key in the secrets file (--secrets <file> or"
                + " FERRY_SECRETS_FILE).").toString();
    }

    /** Camel's environment variable for a key: {@code ferry.state.url} → {@code FERRY_STATE_URL}. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static int lineOf(List<String> lines, String key) {
        Pattern start = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*[=:\\s]");
        for (int i = 0; i < lines.size(); i++) {
            if (start.matcher(lines.get(i)).find()) {
                return i + 1;
            }
        }
        return 0;
    }
}
