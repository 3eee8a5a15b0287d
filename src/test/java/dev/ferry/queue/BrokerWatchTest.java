package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.support.LogCapture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.SettableClock;

/**
 * A broker outage is one line when it begins and one when it ends, however many probes, consumers and sessions
 * meet it in between; a real broker on a TCP port is stopped and started again.
 */
class BrokerWatchTest {

    @TempDir
    Path dir;

    @Test
    void anOutageIsOneLineWhenItBeginsAndOneWhenItEndsWithHowLong() throws Exception {
        int port = RunningFerry.freePort();
        String url = "tcp://127.0.0.1:" + port;
        SettableClock clock = new SettableClock(Instant.parse("2026-12-03T10:00:00Z"));
        EmbeddedBroker broker = new EmbeddedBroker(dir.resolve("broker"), url, 16L << 20);
        broker.start();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url + "?user=probe&password=secret");
             LogCapture log = new LogCapture(Level.INFO)) {
            BrokerWatch watch = new BrokerWatch(factory, url + "?user=probe&password=secret", clock,
                    Executors.newSingleThreadScheduledExecutor());
            watch.probe();
            assertThat(watch.reachable()).isTrue();

            broker.stop();
            watch.probe();
            clock.tick(Duration.ofSeconds(5));
            watch.probe();
            clock.tick(Duration.ofSeconds(29));
            watch.probe();
            assertThat(watch.reachable()).isFalse();

            broker = new EmbeddedBroker(dir.resolve("broker"), url, 16L << 20);
            broker.start();
            watch.probe();
            watch.probe();

            assertThat(watch.reachable()).isTrue();
            List<String> lines = log.lines().stream().filter(l -> l.contains("The broker at")).toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).startsWith("WARN dev.ferry.queue.BrokerWatch: The broker at tcp://127.0.0.1:" + port
                    + " is unreachable since 2026-12-03T10:00:00Z (").endsWith("): runs fail and deliveries wait; Ferry"
                    + " reconnects by itself and says so here");
            assertThat(lines.get(1)).isEqualTo("INFO dev.ferry.queue.BrokerWatch: The broker at tcp://127.0.0.1:" + port
                    + " answers again, after 34 s away; deliveries resume");
            assertThat(String.join("\n", log.lines())).doesNotContain("secret");
        } finally {
            broker.stop();
        }
    }
}
