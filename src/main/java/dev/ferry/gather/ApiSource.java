package dev.ferry.gather;

import java.time.Duration;
import java.util.Locale;

/**
 * An HTTP API a connector reads: which records changed since a cursor value, page by page.
 *
 * @param client       the HTTP side: URL, authentication, rate limit, timeouts
 * @param changedSince the query parameter that carries the watermark, {@code name=...${cursor}...}: a plain
 *                     parameter ({@code updated_since=${cursor}}) or a filter expression ({@code filter=updatedAt ge
 *                     '${cursor}'}); null: the API has no such filter and every run reads everything
 * @param paging       how the API splits its answer into pages
 * @param recordsPath  JSON path of the records in a page, such as {@code $.data[*]}
 * @param cursorField  field of a record whose value grows with every change (an ISO-8601 time or a number); a dot
 *                     path for a nested field
 * @param keyField     field of a record that identifies it (a number or text)
 * @param deleteField  field that marks a deleted record (true, or any value that is not false or null), or null
 * @param overlap      each incremental run asks for changes since the watermark minus this, for APIs whose clocks
 *                     and ordering are loose; records read again unchanged are dropped by the key registry
 */
public record ApiSource(ApiClient client, String changedSince, Paging paging, String recordsPath, String cursorField,
                        String keyField, String deleteField, Duration overlap) implements RecordSource {

    /** What marks the watermark's place in {@code changedSince}. */
    public static final String CURSOR_PLACEHOLDER = "${cursor}";

    /** The ways an API splits its answer into pages. */
    public enum Style {
        /** One request answers everything. */
        NONE,
        /** {@code pageParam} counts pages from {@code firstPage}; a page shorter than {@code pageSize} is the last. */
        PAGE,
        /** {@code pageParam} counts records from 0; a page shorter than {@code pageSize} is the last. */
        OFFSET,
        /** The page holds the next page's token at {@code nextPath}, sent back as {@code pageParam}; none: the last. */
        TOKEN,
        /** A {@code Link: <url>; rel="next"} header, or the URL at {@code nextPath}, is the next page; none: the last. */
        NEXT
    }

    /**
     * @param style         how pages follow each other
     * @param pageParam     the query parameter of the page number, offset or token
     * @param pageSizeParam the query parameter of the page size (null: none sent; the API's own size)
     * @param pageSize      records per page asked for
     * @param firstPage     number of the first page (page style)
     * @param nextPath      JSON path of the next page's token (token style) or URL (next style; else the Link header)
     */
    public record Paging(Style style, String pageParam, String pageSizeParam, int pageSize, int firstPage,
                         String nextPath) {

        public Paging {
            if (style == null) {
                style = Style.NONE;
            }
            if (pageSize < 1) {
                throw new IllegalArgumentException("pageSize must be at least 1, was " + pageSize);
            }
            if (pageParam == null || pageParam.isBlank()) {
                pageParam = switch (style) {
                    case OFFSET -> "offset";
                    case TOKEN -> "page_token";
                    default -> "page";
                };
            }
            if (style == Style.TOKEN && (nextPath == null || nextPath.isBlank())) {
                throw new IllegalArgumentException("paging: token needs nextPath, the JSON path of the next page's"
                        + " token in a page (such as $.next_page_token)");
            }
        }

        public static Style style(String text) {
            if (text == null || text.isBlank()) {
                return Style.NONE;
            }
            try {
                return Style.valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("paging must be none, page, offset, token or next, was '" + text + "'",
                        e);
            }
        }
    }

    public ApiSource {
        if (changedSince != null && (!changedSince.contains("=") || !changedSince.contains(CURSOR_PLACEHOLDER))) {
            throw new IllegalArgumentException("changedSince must be a query parameter with " + CURSOR_PLACEHOLDER
                    + " where the watermark goes, such as updated_since=" + CURSOR_PLACEHOLDER + ", was '" + changedSince
                    + "'");
        }
        if (recordsPath == null || recordsPath.isBlank()) {
            recordsPath = "$[*]";
        }
        requireField("cursorField", cursorField);
        requireField("keyField", keyField);
        if (overlap == null) {
            overlap = Duration.ZERO;
        }
        if (overlap.isNegative()) {
            throw new IllegalArgumentException("overlap must be zero or positive, was " + overlap);
        }
    }

    private static void requireField(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("An API source needs " + option + " (a field of each record)");
        }
    }
}
