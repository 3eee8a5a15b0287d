package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.RunningFerry;

/**
 * Ferry started in a JVM of its own on the run-time classpath only — what the README's quick start runs —
 * so that a dependency the tests happen to bring cannot hide one that Ferry lacks when it runs.
 */
class RuntimeClasspathTest {

    @TempDir
    Path data;

    @Test
    void ferryStartsOnItsRunTimeClasspathSyncsTheDemoAndServesItsApi() throws Exception {
        Path classpathFile = Path.of("target/runtime-classpath.txt");
        assertThat(classpathFile).as("written by maven-dependency-plugin in process-test-classes").exists();
        String classpath = "target/classes" + File.pathSeparator + Files.readString(classpathFile).trim();
        int port = RunningFerry.freePort();
        Path log = data.resolve("ferry.log");
        Process ferry = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dferry.data-dir=" + data.resolve("data"), "-Dcamel.server.port=" + port,
                "-Dcamel.management.port=" + RunningFerry.freePort(),
                "-Dferry.demo.customers=50", "-Dferry.demo.invoices=80",
                // as Maven runs it in the source tree: the tree is the installation and the instance
                "-Dferry.home=" + Path.of("").toAbsolutePath(), "-Dferry.instance=" + Path.of("").toAbsolutePath(),
                "-cp", classpath, "dev.ferry.FerryApplication", "run", "--profile", "demo"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                String out = Files.readString(log);
                return out.contains("customers-to-erp COMPLETED") && out.contains("invoices-to-erp COMPLETED")
                        || !ferry.isAlive();
            });
            assertThat(ferry.isAlive()).as("Ferry is running; its log:%n%s", Files.readString(log)).isTrue();
            HttpResponse<String> doc = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(doc.statusCode()).isEqualTo(200);
            assertThat(doc.body()).contains("Ferry operations API");
            assertThat(Files.readString(log)).doesNotContain("could not start").doesNotContain("NoClassDefFoundError");
        } finally {
            ferry.destroy();
            if (!ferry.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                ferry.destroyForcibly();
            }
        }
    }
}
