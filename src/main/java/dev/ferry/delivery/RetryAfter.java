package dev.ferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * A target that answers 429 or 503 with {@code Retry-After} says when to try again: the next attempt waits
 * that long instead of the back-off's delay, at most the retry policy's {@code maximum-redelivery-delay}
 * (a consumer thread waits meanwhile). Both forms are read: seconds ({@code Retry-After: 120}) and an HTTP date.
 *
 * <p>Bound as {@code ferryRetryAfter}; the transient-HTTP clause of {@code dev/ferry/delivery/delivery-errors.camel.yaml}
 * calls it when an attempt fails ({@code onExceptionOccurredRef}), and Camel's error handler takes the delay
 * from the {@code CamelRedeliveryDelay} header it sets.
 */
public final class RetryAfter implements Processor {

    private final Clock clock;
    private final LongSupplier maximumDelayMillis;

    public RetryAfter(Clock clock, LongSupplier maximumDelayMillis) {
        this.clock = clock;
        this.maximumDelayMillis = maximumDelayMillis;
    }

    @Override
    public void process(Exchange exchange) {
        Optional<Duration> wait = Optional.empty();
        if (exchange.getException() instanceof HttpOperationFailedException http
                && (http.getStatusCode() == 429 || http.getStatusCode() == 503)) {
            wait = header(http.getResponseHeaders(), "Retry-After").flatMap(v -> parse(v, clock.instant()));
        }
        if (wait.isPresent()) {
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY,
                    Math.min(wait.get().toMillis(), maximumDelayMillis.getAsLong()));
        } else {
            exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        }
    }

    /** How long {@code Retry-After: value} asks to wait from {@code now}; empty when the value is neither form. */
    public static Optional<Duration> parse(String value, Instant now) {
        String v = value.strip();
        if (v.matches("\\d{1,9}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
        } catch (DateTimeParseException notADate) {
            return Optional.empty();
        }
    }

    private static Optional<String> header(Map<String, String> headers, String name) {
        if (headers == null) {
            return Optional.empty();
        }
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst();
    }
}
