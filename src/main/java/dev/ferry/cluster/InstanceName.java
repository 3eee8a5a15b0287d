package dev.ferry.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This instance's name: what runs, logs, {@code /observe/info} and Quartz's cluster call it. Configured with
 * {@code ferry.instance-name}, or the host name and the API server's port ({@code ledger-1:8080}), which tells
 * apart two instances on one machine.
 */
public record InstanceName(String name, String host) {

    static final int MAX_LENGTH = 200;

    /** The configured name, or the host name and port when it is blank; refuses a name a log line cannot show. */
    public static InstanceName of(String configured, String apiPort) {
        String host = hostName();
        String name = configured == null || configured.isBlank() ? host + ":" + apiPort : configured.strip();
        if (name.length() > MAX_LENGTH || name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new IllegalArgumentException("ferry.instance-name must be at most " + MAX_LENGTH
                    + " printable characters");
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
