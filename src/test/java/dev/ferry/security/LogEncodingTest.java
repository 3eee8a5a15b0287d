package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.junit.jupiter.api.Test;

/**
 * Ferry's log layout (src/main/resources/log4j2.properties, what FerryApplication logs with) writes a line break
 * inside a message as an escape: a value from outside — a token's name, a record key, a position — cannot start a
 * line that looks like Ferry's own.
 */
class LogEncodingTest {

    @Test
    void aLineBreakInAMessageCannotForgeALogLine() throws Exception {
        Properties config = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/log4j2.properties")) {
            config.load(in);
        }
        PatternLayout layout = PatternLayout.newBuilder().withPattern(config.getProperty("appender.console.layout.pattern")).build();
        String forged = "anna\r\n2026-12-03 10:00:00.000 INFO  [main] d.f.runs : Run 7 customers-to-erp COMPLETED";

        String line = layout.toSerializable(Log4jLogEvent.newBuilder().setLoggerName("dev.ferry.ops").setLevel(Level.WARN)
                .setMessage(new ParameterizedMessage("Connector {}: record {} parked by {}", "customers-to-erp", "7", forged))
                .build());

        assertThat(line).endsWith(System.lineSeparator());
        String body = line.substring(0, line.length() - System.lineSeparator().length());
        assertThat(body).doesNotContain("\r").doesNotContain("\n")
                .contains("record 7 parked by anna\\r\\n2026-12-03 10:00:00.000 INFO");
    }
}
