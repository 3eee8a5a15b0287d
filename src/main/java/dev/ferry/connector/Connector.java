package dev.ferry.connector;

import java.util.regex.Pattern;

import dev.ferry.gather.Refresh;
import dev.ferry.gather.RecordSource;

/**
 * One connector: what it gathers and where its records wait for delivery. Defined by the
 * {@code ferry:gather} step of its gather route; everything else about it (schedule, mapping,
 * target) is plain Camel in its route file.
 *
 * @param id              connector id, also the prefix of its route ids
 * @param source          where and how it reads
 * @param queue           its sync queue
 * @param transactionSize records per queue transaction
 * @param batchSize       records per exchange of the deliver route (and so per request when it posts the body as it is)
 * @param maxAttempts     runs in which a record may fail before it is parked
 * @param startPosition   where the first run starts: {@code beginning}, {@code now}, or a cursor value
 * @param refresh         what its scheduled runs read (changes or everything) and whether it keeps the key registry
 */
public record Connector(String id, RecordSource source, String queue, int transactionSize, int batchSize, int maxAttempts,
                        String startPosition, Refresh refresh) {

    public static final String BEGINNING = "beginning";
    public static final String NOW = "now";
    /** Largest batch: its records wait in memory while it fills, in each of the writer's groups. */
    public static final int MAX_BATCH_SIZE = 10_000;

    public Connector(String id, RecordSource source, String queue, int transactionSize, int maxAttempts) {
        this(id, source, queue, transactionSize, 1, maxAttempts, BEGINNING, Refresh.INCREMENTAL);
    }

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,98}");

    public Connector {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("connector id must be lower-case letters, digits and dashes, was '" + id + "'");
        }
        if (queue == null || !queue.startsWith("ferry.")) {
            // Ferry's address settings (never drop, never dead-letter, keep when empty) cover ferry.# only.
            throw new IllegalArgumentException("queue must start with 'ferry.', was '" + queue + "'");
        }
        if (transactionSize <= 0) {
            throw new IllegalArgumentException("transactionSize must be positive, was " + transactionSize);
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be between 1 and " + MAX_BATCH_SIZE + ", was " + batchSize);
        }
        if (startPosition == null || startPosition.isBlank()) {
            startPosition = BEGINNING;
        }
        if (refresh == null) {
            refresh = Refresh.INCREMENTAL;
        }
        if (maxAttempts <= 0) {
            throw new IllegalArgumentException("maxAttempts must be positive, was " + maxAttempts);
        }
    }

    /** Whether this is a connector id: lower-case letters, digits and dashes, starting with a letter or digit. */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The sync queue of a connector unless its gather step names another. */
    public static String defaultQueue(String id) {
        return "ferry." + id;
    }
}
