package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path dir;

    @Test
    void everyInvalidOptionIsReportedAtOnceWithItsFileKeyAndExpectedForm() throws Exception {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, "ferry.state.pool-size = lots\nferry.broker.embedded = yes\nferry.runs.flush-interval = soon\n");
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setLocation("file:" + file);
            Settings settings = new Settings(camel.getPropertiesComponent());
            settings.positiveInt(Settings.STATE_POOL_SIZE);
            settings.bool(Settings.BROKER_EMBEDDED);
            settings.duration(Settings.RUNS_FLUSH_INTERVAL);

            assertThatThrownBy(settings::validate)
                    .hasMessageContaining(file + ": ferry.state.pool-size = 'lots' is not a positive whole number")
                    .hasMessageContaining(file + ": ferry.broker.embedded = 'yes' is not true or false")
                    .hasMessageContaining(file + ": ferry.runs.flush-interval = 'soon' is not a positive duration")
                    .hasMessageContaining("Default: 10");
        }
    }

    @Test
    void missingOptionsTakeTheirDefaults() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Settings settings = new Settings(camel.getPropertiesComponent());
            assertThat(settings.positiveInt(Settings.STATE_POOL_SIZE)).isEqualTo(10);
            assertThat(settings.bool(Settings.DEMO_ENABLED)).isFalse();
            assertThat(settings.duration(Settings.RUNS_FLUSH_INTERVAL)).isEqualTo(Duration.ofMillis(250));
            settings.validate();
        }
    }
}
