package dev.ferry.gather;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.jsonpath.JsonPathExpression;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.queue.QueuedRecord;
import dev.ferry.runs.FailureLedger;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.watermark.ValueType;
import dev.ferry.watermark.Watermark;

/**
 * One run of a connector whose source is an HTTP API ({@link ApiSource}): asks for the records changed since the
 * watermark (minus the overlap), pages through the answer and queues each record the key registry does not already
 * hold with the same content — so records read again (the overlap, a page read twice, a repeated run) are dropped,
 * and a record whose last delivery failed is sent again.
 *
 * <p>The watermark moves, as for a table, only when the run's records are all queued, to the largest (cursor, key)
 * read. Page-number and offset paging read a result set that moves while Ferry pages through it: a record that
 * changes during the run jumps to the end, and the records behind it move up a place, so one of them can fall
 * between two pages. Such a record is stamped after the run began; the watermark then moves no further than the
 * pages that were read before the first such stamp (minus the overlap, the allowance for the API's clock), and the
 * next run reads the rest again.
 *
 * <p>A full refresh reads every page without the filter, stages every key it reads, and the registered keys it did
 * not read are gone: they are queued as deletes, within the delete limit.
 */
final class ApiGatherer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiGatherer.class);

    private final FailureLedger failures;
    private final KeyRegistry registry;
    private final long maxRecordBytes;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper()
            // exact decimals: a record's amounts reach the target as the API wrote them
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    ApiGatherer(FailureLedger failures, KeyRegistry registry, long maxRecordBytes, Clock clock) {
        this.failures = failures;
        this.registry = registry;
        this.maxRecordBytes = maxRecordBytes;
        this.clock = clock;
    }

    /** A page read: when its answer arrived, and the largest position read up to and including it. */
    private record PageRead(Instant receivedAt, Watermark positionAfter) {
    }

    Gatherer.Result gather(Gatherer.Request request, ApiSource api, RunRecords run) throws Exception {
        CamelContext camel = api.client().camel();
        JsonPathExpression records = expression(camel, api.recordsPath());
        JsonPathExpression next = api.paging().nextPath() == null ? null : expression(camel, api.paging().nextPath());
        Object since = request.full() ? null : since(request, api);
        Cursor cursor = new Cursor(api, request.from());
        List<PageRead> pages = new ArrayList<>();
        Reread reread = new Reread();
        run.onReread(row -> reread.seen(row, pages.size()));
        Set<String> unreadable = new HashSet<>();
        List<RunRecords.Row> chunk = new ArrayList<>(KeyRegistry.CHUNK);
        Set<String> seenTokens = new HashSet<>();
        List<String> previousKeys = List.of();

        Page page = firstPage(api, since);
        while (page != null) {
            ApiClient.Response response = api.client().get(page.query, page.url, request.stopping());
            Object document = parse(response);
            Exchange scratch = new DefaultExchange(camel);
            scratch.getIn().setBody(document);
            List<?> found = list(records.evaluate(scratch, Object.class));
            List<String> pageKeys = new ArrayList<>(found.size());
            int index = 0;
            for (Object item : found) {
                index++;
                if (!(item instanceof Map<?, ?> record)) {
                    throw new ApiClient.ApiException("Record " + index + " of " + response.shown() + " at "
                            + api.recordsPath() + " is not a JSON object");
                }
                RunRecords.Row row = read(api, run, cursor, record, response.shown(), index, unreadable);
                pageKeys.add(cursor.lastKey);
                if (row != null) {
                    chunk.add(row);
                }
                if (chunk.size() == KeyRegistry.CHUNK) {
                    run.compare(chunk, true);
                }
            }
            run.compare(chunk, true);
            requireNotTheSamePage(api, pageKeys, previousKeys, response);
            previousKeys = pageKeys;
            pages.add(new PageRead(clock.instant(), cursor.max));
            if (request.stopping().getAsBoolean()) {
                throw new Gatherer.StoppedException();
            }
            page = nextPage(api, page, found.size(), response, next, scratch, seenTokens);
        }
        if (request.full()) {
            if (reread.any()) {
                LOG.warn("Connector {}: records changed while full refresh run {} paged through the API, so a record may"
                        + " have fallen between two pages: the run queues no delete (it might delete a record that"
                        + " exists); the next full refresh does", request.connector(), request.runId());
            } else {
                deletes(api, run, cursor, unreadable);
            }
        }
        if (request.ledgerCheck() && !reread.any()) {
            goneFailures(request, api, run, cursor);
        }
        run.commit();
        Watermark after = request.full() ? request.from() : settled(request, api, pages, reread);
        return new Gatherer.Result(run.gathered, run.failed, 0, after, run.unchanged, run.deleted);
    }

    /**
     * Records read a second time in one run with another content: they changed while the run paged through, moved to
     * the end of the answer, and may have pushed a record across a page boundary.
     */
    private static final class Reread {
        /** The earliest stamp of such a record when its cursor is a time, else null. */
        Instant firstStamp;
        /** Such a record whose cursor is not a time with an offset: when it changed cannot be told. */
        boolean untimed;
        /** How many pages had been read when the first such record was. */
        int pagesBefore = -1;

        void seen(RunRecords.Row row, int pagesRead) {
            if (pagesBefore < 0) {
                pagesBefore = pagesRead;
            }
            Object cursor = Cursor.parseText(row.version());
            // a time without an offset is in a zone Ferry does not know: when it changed cannot be told either
            Instant stamp = cursor instanceof OffsetDateTime t ? t.toInstant() : null;
            if (stamp == null) {
                untimed = true;
            } else if (firstStamp == null || stamp.isBefore(firstStamp)) {
                firstStamp = stamp;
            }
        }

        boolean any() {
            return pagesBefore >= 0;
        }
    }

    /**
     * Where the run's watermark moves: the largest position read — unless a record changed while the run paged through
     * (read twice, {@link Reread}): then only past the pages whose answer arrived before that change (its stamp minus
     * the overlap, the allowance for the API's clock), and the next run reads the rest again. A change whose time
     * cannot be told (a numeric cursor, a time without an offset) keeps the watermark where it was.
     */
    private static Watermark settled(Gatherer.Request request, ApiSource api, List<PageRead> pages, Reread reread) {
        Watermark after = pages.isEmpty() ? null : pages.get(pages.size() - 1).positionAfter();
        if (reread.any()) {
            Watermark safe = null;
            if (!reread.untimed) {
                Instant cut = reread.firstStamp.minus(api.overlap());
                for (PageRead page : pages) {
                    if (page.receivedAt().isBefore(cut)) {
                        safe = page.positionAfter();
                    }
                }
            }
            LOG.info("Connector {}: a record changed while run {} paged through the API ({}); the watermark moves only"
                    + " past the pages read before that, to {}, and the next run reads the rest again",
                    request.connector(), request.runId(), reread.untimed ? "its cursor is no time with an offset"
                            : "stamped " + reread.firstStamp, safe == null ? "where it was" : safe);
            after = safe;
        }
        if (after == null) {
            return request.from();
        }
        return request.from() != null && Cursor.compare(after, request.from()) < 0 ? request.from() : after;
    }

    /**
     * An API that ignores the page parameter answers every page with the first: a page with the very records of the
     * one before ends the run instead of reading it for ever.
     */
    private static void requireNotTheSamePage(ApiSource api, List<String> keys, List<String> previous,
                                              ApiClient.Response response) throws ApiClient.ApiException {
        ApiSource.Style style = api.paging().style();
        if ((style == ApiSource.Style.PAGE || style == ApiSource.Style.OFFSET) && !keys.isEmpty() && keys.equals(previous)) {
            throw new ApiClient.ApiException(response.shown() + " answered the same " + keys.size() + " records as the"
                    + " page before: does the API take the page in '" + api.paging().pageParam() + "' (pageParam)?");
        }
    }

    /**
     * The registered keys a full refresh did not read are gone: each is queued as a delete, within the limit. A record
     * read but not carried (too large) is not gone.
     */
    private static void deletes(ApiSource api, RunRecords run, Cursor cursor,
                                Set<String> unreadable) throws Exception {
        long registered = run.registeredCount();
        List<String> kept = new ArrayList<>(unreadable);
        long gone = run.countUnstaged() - (kept.isEmpty() ? 0 : run.registered(kept).size());
        if (gone <= 0) {
            return;
        }
        run.requireWithinDeleteLimit(gone, registered);
        String keyName = api.keyField().substring(api.keyField().lastIndexOf('.') + 1);
        run.forEachUnstaged(keys -> {
            for (String key : keys) {
                if (!unreadable.contains(key)) {
                    run.queue(run.deleteRow(keyName, key, cursor.keyValue(key)), false);
                }
            }
        });
    }

    /**
     * Open failed keys the run did not read: it asked from before the oldest of their versions, so the API no longer
     * has them. A registered one is queued as a delete (the target has a version of it), any other is resolved.
     */
    private void goneFailures(Gatherer.Request request, ApiSource api, RunRecords run, Cursor cursor) throws Exception {
        String keyName = api.keyField().substring(api.keyField().lastIndexOf('.') + 1);
        String after = null;
        while (true) {
            List<String> keys = failures.openKeys(request.connector(), after, KeyRegistry.CHUNK);
            if (keys.isEmpty()) {
                return;
            }
            after = keys.get(keys.size() - 1);
            Map<String, KeyRegistry.Known> known = run.lookup(keys);
            List<String> resolved = new ArrayList<>();
            for (String key : keys) {
                KeyRegistry.Known k = known.get(key);
                if (k != null && k.stagedByRun()) {
                    continue;
                }
                if (k != null && k.registered() != null) {
                    run.queue(run.deleteRow(keyName, key, cursor.keyValue(key)), true);
                } else {
                    resolved.add(key);
                }
            }
            if (!resolved.isEmpty()) {
                failures.resolveGone(request.connector(), resolved);
            }
        }
    }

    /**
     * What the run asks for: changes since the watermark minus the overlap, or since the oldest open failure if that
     * is older (so that a failed record is read again and, being open, sent again); null: everything.
     */
    private Object since(Gatherer.Request request, ApiSource api) throws Exception {
        if (api.changedSince() == null || request.from() == null) {
            return null;
        }
        Object since = Cursor.minus(request.from().cursor(), api.overlap());
        if (request.ledgerCheck()) {
            for (String version : failures.openVersions(request.connector())) {
                Object failed = Cursor.parseText(version);
                if (failed != null && failed.getClass() == since.getClass()) {
                    // a little before: an API whose filter leaves the value itself out still answers it
                    Object before = Cursor.before(failed);
                    if (Cursor.compareValues(before, since) < 0) {
                        since = before;
                    }
                }
            }
        }
        return since;
    }

    /**
     * A position an operator names for an API source: {@code now} (changes from now on, by Ferry's clock), or a cursor
     * value (a time or a number: records at it and later are read).
     */
    static Watermark position(String spec) {
        if ("now".equalsIgnoreCase(spec.trim())) {
            return new Watermark(OffsetDateTime.now(ZoneOffset.UTC), "");
        }
        Object cursor = Cursor.parseText(spec);
        if (cursor == null) {
            throw new IllegalArgumentException("startPosition '" + spec + "' is not beginning, now, a time or a number");
        }
        return new Watermark(Cursor.minus(cursor, Duration.ofNanos(1)), "");
    }

    /**
     * One page to request: a query (encoded) on the API URL, or a URL the API gave.
     *
     * @param position the page number (page paging) or the offset of its first record (offset paging)
     */
    private record Page(String query, String url, long position) {
    }

    private static Page firstPage(ApiSource api, Object since) {
        ApiSource.Paging paging = api.paging();
        long first = paging.style() == ApiSource.Style.PAGE ? paging.firstPage() : 0;
        return new Page(query(api, since, paging.style() == ApiSource.Style.PAGE || paging.style() == ApiSource.Style.OFFSET
                ? String.valueOf(first) : null), null, first);
    }

    /** The page's parameters: changed-since, the page size and the page parameter (the API URL's own come first). */
    private static String query(ApiSource api, Object since, String pageValue) {
        List<String> parts = new ArrayList<>();
        if (since != null) {
            int eq = api.changedSince().indexOf('=');
            String value = api.changedSince().substring(eq + 1).replace(ApiSource.CURSOR_PLACEHOLDER, Cursor.text(since));
            parts.add(ApiClient.encode(api.changedSince().substring(0, eq)) + "=" + ApiClient.encode(value));
        }
        ApiSource.Paging paging = api.paging();
        if (paging.style() != ApiSource.Style.NONE && paging.pageSizeParam() != null) {
            parts.add(ApiClient.encode(paging.pageSizeParam()) + "=" + paging.pageSize());
        }
        if (pageValue != null) {
            parts.add(ApiClient.encode(paging.pageParam()) + "=" + ApiClient.encode(pageValue));
        }
        return String.join("&", parts);
    }

    /** The page after {@code page}, or null when it was the last. */
    private Page nextPage(ApiSource api, Page page, int records, ApiClient.Response response, JsonPathExpression next,
                          Exchange scratch, Set<String> seen) throws Exception {
        ApiSource.Paging paging = api.paging();
        boolean shortPage = records == 0 || (paging.pageSizeParam() != null && records < paging.pageSize());
        String asked = page.query;
        switch (paging.style()) {
            case PAGE -> {
                return shortPage ? null : new Page(replacePage(api, asked, String.valueOf(page.position + 1)), null,
                        page.position + 1);
            }
            case OFFSET -> {
                long offset = page.position + records;
                return shortPage ? null : new Page(replacePage(api, asked, String.valueOf(offset)), null, offset);
            }
            case TOKEN -> {
                Object token = next.evaluate(scratch, Object.class);
                if (token == null || token.toString().isBlank()) {
                    return null;
                }
                requireNew(seen, token.toString(), response);
                return new Page(replacePage(api, asked, token.toString()), null, 0);
            }
            case NEXT -> {
                String url;
                if (next != null) {
                    Object value = next.evaluate(scratch, Object.class);
                    url = value == null || value.toString().isBlank() ? null
                            : api.client().resolveNext(response.url(), value.toString());
                } else {
                    url = api.client().nextLink(response.link(), response.url());
                }
                if (url == null) {
                    return null;
                }
                requireNew(seen, url, response);
                return new Page(null, url, 0);
            }
            default -> {
                return null;
            }
        }
    }

    /** The page's query with the page parameter set to {@code value} (the rest stays as the first page asked). */
    private static String replacePage(ApiSource api, String query, String value) {
        String name = ApiClient.encode(api.paging().pageParam()) + "=";
        List<String> parts = new ArrayList<>();
        for (String part : query.isEmpty() ? new String[0] : query.split("&")) {
            if (!part.startsWith(name)) {
                parts.add(part);
            }
        }
        parts.add(name + ApiClient.encode(value));
        return String.join("&", parts);
    }

    private static void requireNew(Set<String> seen, String next, ApiClient.Response response) throws ApiClient.ApiException {
        if (!seen.add(next)) {
            throw new ApiClient.ApiException(response.shown() + " names a next page that was already read: the API's"
                    + " paging goes round in a circle");
        }
    }

    private Object parse(ApiClient.Response response) throws ApiClient.ApiException {
        try {
            return json.readValue(response.body() == null ? "null" : response.body(), Object.class);
        } catch (JsonProcessingException e) {
            throw new ApiClient.ApiException(response.shown() + " did not answer JSON: " + e.getOriginalMessage());
        }
    }

    private static List<?> list(Object value) {
        if (value == null) {
            return List.of();
        }
        return value instanceof List<?> list ? list : List.of(value);
    }

    private static JsonPathExpression expression(CamelContext camel, String path) {
        JsonPathExpression expression = new JsonPathExpression(path);
        expression.setSuppressExceptions(true);
        expression.init(camel);
        return expression;
    }

    /** Reads a record's cursor, key and JSON; null when it cannot be carried (then in the failure ledger). */
    private RunRecords.Row read(ApiSource api, RunRecords run, Cursor cursor, Map<?, ?> record, String url, int index,
                                Set<String> unreadable) throws Exception {
        Object cursorValue = cursor.cursorOf(field(record, api.cursorField()), url, index);
        Object keyValue = cursor.keyOf(field(record, api.keyField()), url, index);
        cursor.read(new Watermark(cursorValue, keyValue));
        String key = ValueType.of(keyValue).format(keyValue);
        String version = ValueType.of(cursorValue).format(cursorValue);
        String text = json.writeValueAsString(record);
        long size = Gatherer.utf8Length(text, maxRecordBytes);
        if (size > maxRecordBytes) {
            unreadable.add(key);
            run.cannotCarry(key, version, String.format(Locale.ROOT, "Cannot carry the record as JSON: it is %.1f MB,"
                    + " more than the %.1f MB a record may have (ferry.gather.max-record-size)", size / 1_048_576.0,
                    maxRecordBytes / 1_048_576.0));
            return null;
        }
        boolean deleted = api.deleteField() != null && truthy(field(record, api.deleteField()));
        return new RunRecords.Row(key, version, deleted ? QueuedRecord.Operation.DELETE : QueuedRecord.Operation.UPSERT,
                text);
    }

    private static boolean truthy(Object value) {
        return value instanceof Boolean b ? b : value != null && !"false".equalsIgnoreCase(value.toString());
    }

    /** A record's field by dot path ({@code meta.updatedAt}), or null. */
    static Object field(Map<?, ?> record, String path) {
        Object value = record;
        for (String name : path.split("\\.")) {
            if (!(value instanceof Map<?, ?> map)) {
                return null;
            }
            value = map.get(name);
        }
        return value;
    }

    /**
     * The cursor and key values of an API's records, typed from the JSON (a time, a number, text), and the largest
     * position read.
     */
    static final class Cursor {
        private final ApiSource api;
        private Class<?> cursorType;
        private Class<?> keyType;
        /** The type of the watermark the run started from (null: none), which the API's cursors must have. */
        private final Class<?> watermarkType;
        Watermark max;
        /** The key of the last record read, as text. */
        String lastKey;

        Cursor(ApiSource api, Watermark from) {
            this.api = api;
            this.watermarkType = from == null ? null : from.cursor().getClass();
        }

        Object cursorOf(Object value, String url, int index) throws ApiClient.ApiException {
            Object parsed = value instanceof String text ? parseText(text) : number(value);
            if (parsed == null) {
                throw new ApiClient.ApiException("Record " + index + " of " + url + " has " + (value == null ? "no "
                        + api.cursorField() : api.cursorField() + " '" + value + "', neither a time nor a number")
                        + "; Ferry cannot order it");
            }
            if (cursorType == null && watermarkType != null && watermarkType != parsed.getClass()) {
                throw new ApiClient.ApiException("Record " + index + " of " + url + " has " + api.cursorField() + " '"
                        + value + "', " + kind(parsed.getClass()) + ", but the connector's position is "
                        + kind(watermarkType) + ": move the position to beginning or to a value like '" + value + "'");
            }
            if (cursorType == null) {
                cursorType = parsed.getClass();
            } else if (cursorType != parsed.getClass()) {
                throw new ApiClient.ApiException("Record " + index + " of " + url + " has " + api.cursorField() + " '"
                        + value + "', " + kind(parsed.getClass()) + ", but the records before it have "
                        + kind(cursorType));
            }
            return parsed;
        }

        Object keyOf(Object value, String url, int index) throws ApiClient.ApiException {
            Object key = value instanceof String text ? text : number(value);
            if (key == null || key instanceof BigDecimal) {
                throw new ApiClient.ApiException("Record " + index + " of " + url + " has " + (value == null ? "no "
                        + api.keyField() : api.keyField() + " '" + value + "', neither text nor a whole number")
                        + "; Ferry cannot tell it from others");
            }
            keyType = key.getClass();
            lastKey = ValueType.of(key).format(key);
            return key;
        }

        /** A registered key's value, typed like the keys read (text when none was read). */
        Object keyValue(String key) {
            if (keyType == Long.class) {
                try {
                    return Long.valueOf(key);
                } catch (NumberFormatException textual) {
                    return key;
                }
            }
            return key;
        }

        void read(Watermark position) {
            if (max == null || compare(position, max) > 0) {
                max = position;
            }
        }

        static int compare(Watermark a, Watermark b) {
            int byCursor = compareValues(a.cursor(), b.cursor());
            return byCursor != 0 ? byCursor : compareValues(a.key(), b.key());
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        static int compareValues(Object a, Object b) {
            if (a.getClass() == b.getClass()) {
                return ((Comparable) a).compareTo(b);
            }
            return a.toString().compareTo(b.toString());
        }

        /** A number as the watermark keeps it: a whole number as a long, any other as a decimal. */
        private static Object number(Object value) {
            if (value instanceof Integer || value instanceof Long) {
                return ((Number) value).longValue();
            }
            if (value instanceof BigInteger i) {
                return i.bitLength() < 64 ? (Object) i.longValue() : new BigDecimal(i);
            }
            if (value instanceof BigDecimal d) {
                return d;
            }
            return value instanceof Double d ? BigDecimal.valueOf(d) : null;
        }

        /** Text read as a time with an offset, a local time, a date or a number; null when it is none of them. */
        static Object parseText(String text) {
            String t = text.strip();
            try {
                return OffsetDateTime.parse(t);
            } catch (DateTimeParseException notOffset) {
                // next form
            }
            try {
                return LocalDateTime.parse(t);
            } catch (DateTimeParseException notLocal) {
                // next form
            }
            try {
                return LocalDate.parse(t);
            } catch (DateTimeParseException notDate) {
                // next form
            }
            if (t.matches("-?\\d{1,18}")) {
                return Long.valueOf(t);
            }
            return null;
        }

        private static String kind(Class<?> type) {
            return type == OffsetDateTime.class ? "a time with an offset" : type == LocalDateTime.class
                    ? "a time without an offset" : type == LocalDate.class ? "a date" : "a number";
        }

        /** A value a little before {@code cursor}: a second for a time, a day for a date, one for a whole number. */
        static Object before(Object cursor) {
            if (cursor instanceof OffsetDateTime t) {
                return t.minusSeconds(1);
            }
            if (cursor instanceof LocalDateTime t) {
                return t.minusSeconds(1);
            }
            if (cursor instanceof LocalDate d) {
                return d.minusDays(1);
            }
            return cursor instanceof Long l ? (Object) (l - 1) : cursor;
        }

        /** {@code cursor} minus the overlap (times only). */
        static Object minus(Object cursor, Duration overlap) {
            if (cursor instanceof OffsetDateTime t) {
                return t.minus(overlap);
            }
            return cursor instanceof LocalDateTime t ? t.minus(overlap) : cursor;
        }

        /** A cursor value as the API is asked for it: ISO-8601 with seconds for times. */
        static String text(Object cursor) {
            if (cursor instanceof OffsetDateTime t) {
                return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t);
            }
            if (cursor instanceof LocalDateTime t) {
                return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
            }
            return cursor instanceof BigDecimal d ? d.toPlainString() : cursor.toString();
        }
    }
}
