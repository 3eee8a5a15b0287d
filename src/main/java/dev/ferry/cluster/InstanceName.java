package dev.ferry.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;

import dev.ferry.Settings;

/**
 * This instance's name: what runs, logs, {@code /observe/info} and Quartz's cluster call it. Configured with
 * {@code ferry.instance-name}, or the host name and the API server's port ({@code ledger-1-8080}), which tells
 * apart two instances on one machine. Letters, digits and {@code . _ - @} only: it is also Quartz's instance id,
 * which Quartz puts into a JMX name unquoted.
 */
public record InstanceName(String name, String host) {

    static final int MAX_LENGTH = 200;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._@-]{1," + MAX_LENGTH + "}");

    /** This instance's name from its configuration: {@code ferry.instance-name}, or the host and the API port. */
    public static InstanceName of(PropertiesComponent properties) {
        return of(new Settings(properties).string(Settings.INSTANCE_NAME),
                properties.resolveProperty("camel.server.port").orElse("8080"));
    }

    /** The configured name, or the host name and port when it is blank; refuses a name Quartz or a log cannot take. */
    public static InstanceName of(String configured, String apiPort) {
        String host = hostName();
        String name = configured == null || configured.isBlank()
                ? host.replaceAll("[^A-Za-z0-9._@-]", "-") + "-" + apiPort
                : configured.strip();
        if (!ALLOWED.matcher(name).matches()) {
            throw new IllegalArgumentException("ferry.instance-name '" + name.replaceAll("\\p{Cntrl}", "?") + "' may hold"
                    + " only letters, digits and . _ - @ (at most " + MAX_LENGTH + "): it is also Quartz's instance id");
        }
        return new InstanceName(name, host);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
