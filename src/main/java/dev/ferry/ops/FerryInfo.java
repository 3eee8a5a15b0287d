package dev.ferry.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.camel.CamelContext;

import dev.ferry.FerryConfiguration;
import dev.ferry.cluster.InstanceName;

/**
 * What {@code /observe/info} tells any caller: what this Ferry is — its version, Camel's and Java's, its profiles,
 * its instance name, since when it runs — and nothing of where it lives (no OS user, directories or command line).
 * Bound as {@value #BEAN} when Ferry's Main is made, which knows the profiles.
 */
public final class FerryInfo {

    public static final String BEAN = "ferryInfo";
    private static final String VERSION_RESOURCE = "/dev/ferry/version.properties";

    private static final Properties BUILD = readBuild();
    private static final String VERSION = BUILD.getProperty("version", "unknown");

    private final List<String> profiles;
    /** Read once, when first asked (FerryConfiguration resolved it: a host name lookup can take a DNS round trip). */
    private volatile String instance;

    public FerryInfo(List<String> profiles) {
        this.profiles = List.copyOf(profiles);
    }

    /** The bound instance, or one without profiles (a Ferry made without {@code FerryApplication.newMain}). */
    static FerryInfo of(CamelContext camel) {
        FerryInfo info = camel.getRegistry().lookupByNameAndType(BEAN, FerryInfo.class);
        return info != null ? info : new FerryInfo(List.of());
    }

    JsonObject json(CamelContext camel) {
        if (instance == null) {
            InstanceName name = camel.getRegistry().lookupByNameAndType(FerryConfiguration.INSTANCE_NAME,
                    InstanceName.class);
            instance = (name != null ? name : InstanceName.of(camel.getPropertiesComponent())).name();
        }
        return new JsonObject()
                .put("ferry", new JsonObject().put("version", VERSION).put("profiles", new JsonArray(profiles))
                        .put("instance", instance)
                        .put("uptime", camel.getUptime().withNanos(0).toString()))
                .put("camel", new JsonObject().put("version", camel.getVersion()).put("status", camel.getStatus().name()))
                .put("java", new JsonObject().put("version", Runtime.version().toString())
                        .put("vendor", System.getProperty("java.vendor")));
    }

    /** Ferry's version, as the build wrote it. */
    public static String version() {
        return VERSION;
    }

    /** The Camel version Ferry was built with (the one it runs with, from its lib/). */
    public static String camelVersion() {
        return BUILD.getProperty("camel", "unknown");
    }

    private static Properties readBuild() {
        Properties p = new Properties();
        try (InputStream in = FerryInfo.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // "unknown" below
        }
        return p;
    }
}
