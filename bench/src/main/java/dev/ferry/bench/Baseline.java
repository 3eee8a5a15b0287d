package dev.ferry.bench;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.ferry.gather.IdempotencyKey;

/**
 * The physical limit: a plain Java program that reads the rows with one JDBC cursor and POSTs them
 * to the receiver with the same HTTP client (Apache HttpClient 5, as camel-http), the same timeouts,
 * batch size and number of concurrent senders as Ferry — and no queue, no ledger, no Camel.
 *
 * <p>Arguments {@code key=value}: {@code table}, {@code mode} ({@code deliver}, or {@code scan}: read
 * every row and deliver nothing), {@code batch}, {@code concurrency}, {@code target}, and for an
 * incremental read {@code afterTs} and {@code afterId}. The source comes from {@code FERRY_BENCH_PG_*}.
 * Reports {@code ready} once connected, runs on {@code run}, reports {@code run} and exits.
 */
public final class Baseline {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] END = new byte[0];

    private Baseline() {
    }

    public static void main(String[] args) throws Exception {
        Memory memory = Memory.watch();
        if ("true".equals(System.getProperty("bench.sample-live-heap"))) {
            memory.sampleLiveHeap();
        }
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int batch = Integer.parseInt(a.getOrDefault("batch", "1"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "4"));
        boolean scan = "scan".equals(a.get("mode"));
        try (Connection db = DriverManager.getConnection(System.getenv("FERRY_BENCH_PG_URL"),
                System.getenv("FERRY_BENCH_PG_USER"), System.getenv("FERRY_BENCH_PG_PASSWORD"));
             CloseableHttpClient http = HttpClients.custom()
                     .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                             .setMaxConnTotal(200).setMaxConnPerRoute(20)
                             .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(5)).build())
                             .build())
                     .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(30)).build())
                     .build()) {
            db.setAutoCommit(false);
            Child.report("ready", "{\"at\":" + System.currentTimeMillis() + "}");
            if (!"run".equals(Child.command())) {
                return;
            }
            memory.reset();
            long t0 = System.currentTimeMillis();
            long rows = scan ? scan(db, a.get("table")) : deliver(db, a, http, batch, concurrency);
            Child.report("run", "{\"t0\":" + t0 + ",\"rows\":" + rows + ",\"endedAt\":" + System.currentTimeMillis()
                    + ",\"memory\":" + memory.json() + ",\"threads\":" + memory.threadsJson() + "}");
        }
    }

    private static PreparedStatement query(Connection db, Map<String, String> a) throws Exception {
        String table = a.get("table");
        boolean incremental = a.containsKey("afterTs");
        PreparedStatement ps = db.prepareStatement("SELECT * FROM " + table
                + (incremental ? " WHERE (updated_at > ? OR (updated_at = ? AND id > ?)) AND updated_at <= now()"
                               : " WHERE updated_at <= now()")
                + " ORDER BY updated_at, id");
        if (incremental) {
            OffsetDateTime ts = OffsetDateTime.parse(a.get("afterTs"));
            ps.setObject(1, ts);
            ps.setObject(2, ts);
            ps.setLong(3, Long.parseLong(a.get("afterId")));
        }
        ps.setFetchSize(1000);
        return ps;
    }

    /** Reads every row, touching every value, and delivers nothing: the full-scan time. */
    private static long scan(Connection db, String table) throws Exception {
        long rows = 0;
        try (PreparedStatement ps = db.prepareStatement("SELECT * FROM " + table + " ORDER BY updated_at, id")) {
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= columns; i++) {
                        rs.getObject(i);
                    }
                    rows++;
                }
            }
        }
        db.commit();
        return rows;
    }

    /** One reader encodes rows to JSON; {@code concurrency} senders post them, one row or a batch a request. */
    private static long deliver(Connection db, Map<String, String> a, CloseableHttpClient http, int batch, int concurrency)
            throws Exception {
        BlockingQueue<Request> requests = new ArrayBlockingQueue<>(concurrency * 4);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String target = a.get("target");
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Thread sender = new Thread(() -> {
                try {
                    while (true) {
                        Request request = requests.take();
                        if (request.body == END) {
                            return;
                        }
                        HttpPost post = new HttpPost(target);
                        post.setHeader("Idempotency-Key", request.idempotencyKey);
                        post.setEntity(new ByteArrayEntity(request.body, ContentType.APPLICATION_JSON));
                        http.execute(post, response -> {
                            EntityUtils.consume(response.getEntity());
                            if (response.getCode() / 100 != 2) {
                                throw new IllegalStateException("HTTP " + response.getCode());
                            }
                            return null;
                        });
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "sender-" + i);
            sender.start();
            senders.add(sender);
        }
        long rows = 0;
        try (PreparedStatement ps = query(db, a); ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            ByteArrayOutputStream body = new ByteArrayOutputStream(256 * batch);
            StringBuilder keys = new StringBuilder();
            int inBatch = 0;
            while (rs.next()) {
                if (inBatch == 0 && batch > 1) {
                    body.write('[');
                } else if (inBatch > 0) {
                    body.write(',');
                }
                String version = encode(rs, meta, body);
                keys.append(rs.getLong("id")).append('\u0000').append(version).append('\u0000');
                rows++;
                if (++inBatch == batch) {
                    put(requests, body, keys, batch, failure);
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                put(requests, body, keys, batch, failure);
            }
        }
        db.commit();
        for (int i = 0; i < concurrency; i++) {
            requests.put(new Request(END, null));
        }
        for (Thread sender : senders) {
            sender.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("A request failed", failure.get());
        }
        return rows;
    }

    private record Request(byte[] body, String idempotencyKey) {
    }

    private static void put(BlockingQueue<Request> requests, ByteArrayOutputStream body, StringBuilder keys, int batch,
                            AtomicReference<Throwable> failure) throws Exception {
        if (batch > 1) {
            body.write(']');
        }
        String idempotencyKey = IdempotencyKey.of("baseline", keys.toString(), "");
        while (!requests.offer(new Request(body.toByteArray(), idempotencyKey), 1, TimeUnit.SECONDS)) {
            if (failure.get() != null) {
                throw new IllegalStateException("A request failed", failure.get());
            }
        }
        body.reset();
        keys.setLength(0);
    }

    /** Writes the row as a JSON object (as Ferry does: labels as names, decimals exact, date-times ISO); returns its cursor text. */
    private static String encode(ResultSet rs, ResultSetMetaData meta, ByteArrayOutputStream out) throws Exception {
        String version = null;
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                json.writeFieldName(meta.getColumnLabel(i));
                int type = meta.getColumnType(i);
                if (type == Types.BIGINT || type == Types.INTEGER) {
                    json.writeNumber(rs.getLong(i));
                } else if (type == Types.NUMERIC) {
                    BigDecimal v = rs.getBigDecimal(i);
                    json.writeNumber(v);
                } else if (type == Types.TIMESTAMP || type == Types.TIMESTAMP_WITH_TIMEZONE) {
                    String v = rs.getObject(i, OffsetDateTime.class).toString();
                    if ("updated_at".equals(meta.getColumnLabel(i))) {
                        version = v;
                    }
                    json.writeString(v);
                } else {
                    json.writeString(rs.getString(i));
                }
            }
            json.writeEndObject();
        }
        return version;
    }
}
