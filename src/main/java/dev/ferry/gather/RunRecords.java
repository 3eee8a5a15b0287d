package dev.ferry.gather;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import dev.ferry.queue.QueuedRecord;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.watermark.Watermark;

/**
 * What one run queues, whatever its source reads: records into the sync-queue writer, their keys into the key
 * registry (staged, promoted when the run submits), records that cannot be carried into the failure ledger, and the
 * counts the run ledger shows.
 */
final class RunRecords {

    /** The version of a hard delete, followed by the id of the run that found the key gone. */
    static final String DELETED_VERSION = "deleted-in-run-";

    /** One record read for delivery: its key, version (the cursor value as text), operation and JSON. */
    record Row(String key, String version, QueuedRecord.Operation operation, String json) {
    }

    private final Gatherer.Request request;
    private final SyncQueue.Writer writer;
    private final FailureLedger failures;
    private final KeyRegistry registry;
    private final Registration registration;

    /** Records read for delivery (including {@code failed}). */
    long gathered;
    /** Records that could not be queued (a value JSON cannot carry); in the failure ledger. */
    long failed;
    /** Records compared with the key registry and not queued: their content is registered. */
    long unchanged;
    /** Deletes queued (in {@code gathered}). */
    long deleted;
    /** Records whose key is registered (a full refresh): the registered keys not among them are gone. */
    long matched;
    /** The position of the last record read in cursor order, or null. */
    Watermark last;
    private Consumer<Row> reread = row -> { };

    /**
     * @param registry the key registry when the connector keeps one (else null)
     */
    RunRecords(Gatherer.Request request, SyncQueue.Writer writer, FailureLedger failures, KeyRegistry registry)
            throws SQLException {
        this.request = request;
        this.writer = writer;
        this.failures = failures;
        if (request.refresh().keyRegistry() && registry == null) {
            throw new IllegalStateException("Ferry was started without a key registry");
        }
        this.registry = request.refresh().keyRegistry() ? registry : null;
        if (this.registry != null) {
            this.registry.begin(request.connector(), request.runId());
        }
        this.registration = new Registration(this.registry, request.connector(), request.runId());
    }

    /** A record that cannot be carried: in the failure ledger (a preview's: kept with the run), counted. */
    void cannotCarry(String key, String version, String error) throws SQLException {
        if (request.preview()) {
            failures.recordInRun(request.connector(), key, version, request.runId(), null, error);
        } else {
            failures.record(request.connector(), key, version, request.runId(), null, error, request.maxAttempts());
        }
        gathered++;
        failed++;
    }

    /**
     * Queues a record and stages it in the key registry if the connector keeps one.
     *
     * @param alone a record that failed before: in a message of its own, so that it cannot fail a batch again
     */
    void queue(Row row, boolean alone) throws Exception {
        queue(row, alone, null);
    }

    /** ... with the record's content hash when it is already computed (null: computed here if the registry needs it). */
    void queue(Row row, boolean alone, Long hash) throws Exception {
        QueuedRecord record = new QueuedRecord(request.connector(), request.runId(), row.key(), row.version(),
                row.operation(), request.ledgerCheck(), row.json());
        if (alone) {
            writer.sendAlone(record);
        } else {
            writer.send(record);
        }
        gathered++;
        if (row.operation() == QueuedRecord.Operation.DELETE) {
            deleted++;
        }
        registration.queued(row, hash);
    }

    /**
     * Compares a chunk of records with the key registry: a record is queued when its key is not registered, its
     * content hash differs from the registered one, or its last delivery failed; a delete only when its key is
     * registered (or failed). The rest count as unchanged, and with {@code stageUnchanged} are staged as they are,
     * so that the registered keys this run did not stage are those the source no longer has, and a key read twice
     * in the run is known as such. A key this run has read already is compared with what the run staged for it: the
     * same content is dropped, another version is queued and reported to {@link #onReread}.
     */
    void compare(List<Row> chunk, boolean stageUnchanged) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        // the run's earlier chunks are in the registry: a key read twice is found there
        registration.flush();
        List<String> keys = new ArrayList<>(chunk.size());
        for (Row row : chunk) {
            keys.add(row.key());
        }
        Map<String, KeyRegistry.Known> known = registry.lookup(request.connector(), request.runId(), keys);
        Set<String> open = request.ledgerCheck() ? failures.openAmong(request.connector(), keys) : Set.of();
        // what this chunk staged, not yet written: key → content hash (null: a delete)
        Map<String, Long> staged = new HashMap<>();
        for (Row row : chunk) {
            KeyRegistry.Known k = known.get(row.key());
            boolean upsert = row.operation() == QueuedRecord.Operation.UPSERT;
            // hashed once: compared here, staged when queued
            Long content = upsert ? registration.hash(row) : null;
            if (staged.containsKey(row.key()) || (k != null && k.stagedByRun())) {
                Long before = staged.containsKey(row.key()) ? staged.get(row.key()) : k.staged();
                if (Objects.equals(before, content)) {
                    unchanged++;
                } else {
                    reread.accept(row);
                    queue(row, false, content);
                    staged.put(row.key(), content);
                }
                continue;
            }
            Long hash = k == null ? null : k.registered();
            if (hash != null) {
                matched++;
            }
            boolean retry = open.contains(row.key());
            boolean send = upsert ? hash == null || retry || !hash.equals(content) : hash != null || retry;
            if (send) {
                queue(row, retry, content);
                staged.put(row.key(), content);
            } else {
                unchanged++;
                if (stageUnchanged && hash != null) {
                    registration.queued(row, hash);
                    staged.put(row.key(), hash);
                }
            }
        }
        chunk.clear();
    }

    /** Where {@link #compare} reports a record read a second time in the run with other content. */
    void onReread(Consumer<Row> reread) {
        this.reread = reread;
    }

    /** What the registry knows of {@code keys} (at most {@link KeyRegistry#CHUNK}), this run's staging included. */
    Map<String, KeyRegistry.Known> lookup(List<String> keys) throws SQLException {
        registration.flush();
        return registry.lookup(request.connector(), request.runId(), keys);
    }

    /** How many registered keys the run has not staged. */
    long countUnstaged() throws SQLException {
        registration.flush();
        return registry.countUnstaged(request.connector(), request.runId());
    }

    /** What a full refresh does with a chunk of registered keys it did not stage. */
    interface UnstagedKeys {
        void accept(List<String> keys) throws Exception;
    }

    /**
     * Hands the registered keys the run did not stage to {@code chunk}, {@link KeyRegistry#CHUNK} at a time in key
     * order — for a source that stages every key it reads, the keys it no longer has; stops with Ferry.
     */
    void forEachUnstaged(UnstagedKeys chunk) throws Exception {
        String after = null;
        while (true) {
            registration.flush();
            List<String> keys = registry.registeredKeys(request.connector(), request.runId(), after, KeyRegistry.CHUNK);
            if (keys.isEmpty()) {
                return;
            }
            after = keys.get(keys.size() - 1);
            chunk.accept(keys);
            if (request.stopping().getAsBoolean()) {
                throw new Gatherer.StoppedException();
            }
        }
    }

    /** Those of {@code keys} that are registered. */
    Set<String> registered(List<String> keys) throws SQLException {
        return registry == null ? Set.of() : registry.hashes(request.connector(), keys).keySet();
    }

    long registeredCount() throws SQLException {
        return registry.count(request.connector());
    }

    /**
     * A full refresh would delete {@code gone} of the {@code registered} keys: more than the connector's delete limit
     * allows (and an operator confirmed) fails the run before any delete is queued.
     */
    void requireWithinDeleteLimit(long gone, long registered) throws Gatherer.DeleteLimitException {
        int limit = request.refresh().deleteLimit();
        if (gone * 100 <= registered * limit || request.confirmedDeletes() >= gone) {
            return;
        }
        throw new Gatherer.DeleteLimitException(String.format(Locale.ROOT, "The full refresh would delete %,d of the"
                        + " %,d registered keys (%.1f %%), more than deleteLimit (%d %%); nothing was deleted. An empty"
                        + " or truncated source is an outage more often than a mass deletion: check it. If the records"
                        + " are really gone, confirm: POST /api/connectors/%s/runs {\"refresh\": \"FULL\","
                        + " \"confirmDeletes\": %d}", gone, registered, gone * 100.0 / registered, limit,
                request.connector(), gone));
    }

    /** A hard delete: the key alone, under the key's name; its version names the run that found it gone. */
    Row deleteRow(String keyName, String key, Object keyValue) {
        return new Row(key, DELETED_VERSION + request.runId(), QueuedRecord.Operation.DELETE,
                RowEncoder.keyOnly(keyName, keyValue));
    }

    /** Queues everything sent so far and writes the rest of the staged keys. */
    void commit() throws Exception {
        writer.commit();
        registration.flush();
    }

    /**
     * What a run stages in the key registry: each queued key with its content hash (a delete without), written a
     * chunk at a time; the run's submit promotes them ({@link KeyRegistry#promote}).
     */
    private static final class Registration {
        private final KeyRegistry registry;
        private final String connector;
        private final long runId;
        private final List<KeyRegistry.Staged> staged = new ArrayList<>();
        private final MessageDigest sha256;

        Registration(KeyRegistry registry, String connector, long runId) {
            this.registry = registry;
            this.connector = connector;
            this.runId = runId;
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java has SHA-256", e);
            }
        }

        /** The first 64 bits of the SHA-256 of the record's JSON: what the registry compares. */
        long hash(Row row) {
            byte[] digest = sha256.digest(row.json().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        }

        /** @param hash the record's content hash if already computed, else null */
        void queued(Row row, Long hash) throws SQLException {
            if (registry == null) {
                return;
            }
            staged.add(new KeyRegistry.Staged(row.key(), row.operation() == QueuedRecord.Operation.DELETE ? null
                    : hash != null ? hash : hash(row)));
            if (staged.size() >= KeyRegistry.CHUNK) {
                flush();
            }
        }

        void flush() throws SQLException {
            if (registry != null && !staged.isEmpty()) {
                registry.stage(connector, runId, staged);
                staged.clear();
            }
        }
    }
}
