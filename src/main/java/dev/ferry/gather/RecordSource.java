package dev.ferry.gather;

/** Where a connector reads its records: a database table or query ({@link Source}), or an HTTP API ({@link ApiSource}). */
public sealed interface RecordSource permits Source, ApiSource {
}
