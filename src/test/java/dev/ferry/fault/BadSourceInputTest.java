package dev.ferry.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ferry.ops.Operations;
import dev.ferry.runs.Conflict;
import dev.ferry.runs.Failure;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.PostgresServer;
import dev.ferry.support.RunningFerry;

/**
 * The source side of the bad-input corpus: a query that does not parse or lacks the key column, values JSON
 * cannot carry (NaN, text that is not Unicode, bytes that are not text in the database's encoding), binary
 * values, very large rows. Each gets its message — with the file and option, or the key and column — and
 * the customers connector beside them keeps delivering.
 */
@Tag("fault")
class BadSourceInputTest {

    private static final String C = "customers-to-erp";
    private static final String TABLE = "table: \"{{customers-to-erp.source.table}}\"";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private Path routes;
    private String original;

    @BeforeEach
    void copyRoutes() throws IOException {
        routes = fixture.copyRoutes();
        original = Files.readString(routes.resolve(C + ".camel.yaml"));
        assertThat(original).contains(TABLE);
    }

    /** The customers connector copied as {@code name}, reading {@code query} instead of the table. */
    private void queryConnector(String name, String query) throws IOException {
        fixture.properties().put(name + ".schedule.cron", RunningFerry.NEVER);
        fixture.properties().put(name + ".delivery.concurrency", "1");
        fixture.properties().put(name + ".target.url", fixture.target().url("/erp/" + name));
        Files.writeString(routes.resolve(name + ".camel.yaml"),
                original.replace(TABLE, "query: \"" + query + "\"").replace(C, name));
    }

    /** A connector that posts each row of {@code table} in {@code dataSource} as it is gathered. */
    private void rawConnector(String name, String dataSource, String table) throws IOException {
        fixture.properties().put(name + ".schedule.cron", RunningFerry.NEVER);
        fixture.properties().put(name + ".target.url", fixture.target().url("/erp/" + name));
        Files.writeString(routes.resolve(name + ".camel.yaml"), """
                - route:
                    id: NAME-gather
                    from:
                      uri: quartz:ferry/NAME
                      parameters:
                        cron: "{{schedule:NAME}}"
                      steps:
                        - to:
                            uri: ferry:gather
                            parameters:
                              connector: NAME
                              dataSource: "#DATASOURCE"
                              table: TABLE
                              cursorColumn: updated_at
                              keyColumn: id
                - route:
                    id: NAME-deliver
                    routeConfigurationId: ferry-delivery
                    from:
                      uri: jms:queue:ferry.NAME
                      steps:
                        - setHeader:
                            name: Idempotency-Key
                            simple: "${header.FerryIdempotencyKey}"
                        - setHeader:
                            name: Content-Type
                            constant: application/json
                        - to:
                            uri: "{{NAME.target.url}}"
                            parameters:
                              headerFilterStrategy: "#ferryTargetHeaders"
                        - to:
                            uri: ferry:delivered
                """.replace("NAME", name).replace("DATASOURCE", dataSource).replace("TABLE", table));
    }

    @Test
    void aQueryThatDoesNotParseOrLacksTheKeyColumnRejectsItsConnectorWithFileAndOption() throws Exception {
        queryConnector("bad-sql", "SELEC id, updated_at, deleted_at FROM customers");
        queryConnector("no-key", "SELECT updated_at, company_name, deleted_at FROM customers");
        queryConnector("no-cursor", "SELECT id, company_name, deleted_at FROM customers");
        RunningFerry ferry = fixture.start();
        Operations ops = ferry.bean("ferryOperations", Operations.class);

        assertThatThrownBy(() -> ops.start("bad-sql", false, "test")).isInstanceOf(Conflict.class)
                .hasMessageContaining("bad-sql.camel.yaml").hasMessageContaining("ferry:gather query")
                .hasMessageContaining("SELEC");
        assertThatThrownBy(() -> ops.start("no-key", false, "test")).isInstanceOf(Conflict.class)
                .hasMessageContaining("no-key.camel.yaml").hasMessageContaining("ferry:gather keyColumn");
        assertThatThrownBy(() -> ops.start("no-cursor", false, "test")).isInstanceOf(Conflict.class)
                .hasMessageContaining("no-cursor.camel.yaml").hasMessageContaining("ferry:gather cursorColumn");

        Run customers = ferry.runAndAwait(C);
        assertThat(customers.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(customers.delivered()).isEqualTo(60);
    }

    @Test
    void valuesJsonCannotCarryFailTheirRecordWithTheColumnAndBinaryAndLargeRowsArrive() throws Exception {
        org.h2.jdbcx.JdbcDataSource odd = new org.h2.jdbcx.JdbcDataSource();
        odd.setURL("jdbc:h2:mem:odd-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        String large = "x".repeat(3_000_000);
        String tooLarge = "y".repeat(5_000_000);
        try (Connection c = odd.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE oddities (id BIGINT PRIMARY KEY, updated_at TIMESTAMP NOT NULL, score DOUBLE PRECISION,"
                    + " data VARBINARY(100), note CHARACTER LARGE OBJECT, label VARCHAR(100))");
            insert(c, 1, Double.NaN, null, "not a number");
            insert(c, 2, 1.5, new byte[] {0, 1, 2, (byte) 255}, "binary");
            insert(c, 3, 2.5, null, large);
            insert(c, 4, 3.5, null, "short");
            insert(c, 5, Double.POSITIVE_INFINITY, null, "infinite");
            insert(c, 6, 4.5, null, tooLarge);
            insert(c, 7, 5.5, null, "plain");
        }
        fixture.bindOnce("odd", odd);
        fixture.properties().put("ferry.gather.max-record-size", "4MB");
        rawConnector("odd-values", "odd", "oddities");
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait("odd-values");

        assertThat(run.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(run.gathered()).isEqualTo(7);
        assertThat(run.failed()).isEqualTo(4);
        assertThat(run.delivered()).isEqualTo(3);
        Map<String, String> errors = ferry.failures().list("odd-values", Failure.Status.OPEN).stream()
                .collect(Collectors.toMap(Failure::recordKey, Failure::lastError));
        assertThat(errors).containsOnlyKeys("1", "4", "5", "6");
        assertThat(errors.get("1")).contains("column score").contains("NaN has no JSON representation");
        assertThat(errors.get("5")).contains("column score").contains("Infinity has no JSON representation");
        assertThat(errors.get("4")).contains("column label").contains("unpaired surrogate U+D800 at character 2");
        assertThat(errors.get("6")).contains("the record is 4.8 MB as JSON, more than the 4.0 MB")
                .contains("ferry.gather.max-record-size");
        List<JsonNode> received = fixture.target().received("/erp/odd-values");
        assertThat(received).extracting(r -> r.path("id").asLong()).containsExactlyInAnyOrder(2L, 3L, 7L);
        JsonNode binary = received.stream().filter(r -> r.path("id").asLong() == 2).findFirst().orElseThrow();
        assertThat(binary.path("data").asText()).isEqualTo("AAEC/w==");
        JsonNode big = received.stream().filter(r -> r.path("id").asLong() == 3).findFirst().orElseThrow();
        assertThat(big.path("note").asText()).isEqualTo(large);

        Run customers = ferry.runAndAwait(C);
        assertThat(customers.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(customers.delivered()).isEqualTo(60);
    }

    @Test
    void textThatIsNotUtf8InTheSourceFailsTheRunWithWhatToSetAndReadInItsEncodingItArrives() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String url = pg.newDatabase();
        String database = PostgresServer.databaseName(url);
        // a database that takes any bytes as text: what a legacy system may hold
        String latin = database + "_ascii";
        pg.admin("CREATE DATABASE " + latin + " ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        String asciiUrl = url.replace("/" + database, "/" + latin);
        org.postgresql.ds.PGSimpleDataSource source = new org.postgresql.ds.PGSimpleDataSource();
        source.setUrl(asciiUrl);
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE legacy (id BIGINT PRIMARY KEY, updated_at TIMESTAMP NOT NULL, name TEXT)");
            s.execute("INSERT INTO legacy VALUES (1, LOCALTIMESTAMP - INTERVAL '1 hour', 'plain'),"
                    + " (2, LOCALTIMESTAMP - INTERVAL '1 hour', E'caf\\xe9'),"
                    + " (3, LOCALTIMESTAMP - INTERVAL '1 hour', 'also plain')");
        }
        fixture.bindOnce("legacy", source);
        rawConnector("legacy-names", "legacy", "legacy");
        // the same table read with the encoding its text is in
        com.zaxxer.hikari.HikariDataSource latin1 = new com.zaxxer.hikari.HikariDataSource();
        latin1.setJdbcUrl(asciiUrl + "&allowEncodingChanges=true");
        latin1.setConnectionInitSql("SET client_encoding TO 'LATIN1'");
        latin1.setMaximumPoolSize(2);
        fixture.bindOnce("legacyLatin1", latin1);
        rawConnector("legacy-latin1", "legacyLatin1", "legacy");
        RunningFerry ferry = fixture.start();

        // PostgreSQL checks the text itself and fails the statement: no row can be skipped, the run says what to set
        Run run = ferry.runAndAwait("legacy-names");
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("invalid byte sequence for encoding \"UTF8\": 0xe9")
                .contains("allowEncodingChanges=true").contains("SET client_encoding TO 'LATIN1'");
        assertThat(fixture.target().received("/erp/legacy-names")).isEmpty();

        Run readAsLatin1 = ferry.runAndAwait("legacy-latin1");
        assertThat(readAsLatin1.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(fixture.target().received("/erp/legacy-latin1")).extracting(r -> r.path("name").asText())
                .containsExactlyInAnyOrder("plain", "caf\u00e9", "also plain");
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void sourceValuesAreBoundParametersNeverSqlTextKeysThatLookLikeSqlAreResumedAfterAndReadAgainByKey() throws Exception {
        org.h2.jdbcx.JdbcDataSource hostile = new org.h2.jdbcx.JdbcDataSource();
        hostile.setURL("jdbc:h2:mem:hostile-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Timestamp tie = Timestamp.valueOf(LocalDateTime.now().minusHours(1));
        String drop = "x'); DROP TABLE accounts; --";
        try (Connection c = hostile.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (code VARCHAR(100) PRIMARY KEY, updated_at TIMESTAMP NOT NULL, name VARCHAR(100))");
            for (String code : List.of("O'Brien", drop, "a' OR '1'='1", "plain")) {
                account(c, code, tie);
            }
        }
        fixture.bindOnce("hostile", hostile);
        rawConnector("accounts", "hostile", "accounts");
        Files.writeString(routes.resolve("accounts.camel.yaml"),
                Files.readString(routes.resolve("accounts.camel.yaml")).replace("keyColumn: id", "keyColumn: code"));
        var refused = fixture.target().server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
                com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/erp/accounts")).atPriority(1)
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("DROP TABLE"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(422)));
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait("accounts");
        assertThat(first.status()).isEqualTo(RunStatus.INCOMPLETE);
        assertThat(first.failed()).isEqualTo(1);
        // all four share one timestamp: the watermark's tie-breaker is the last key, the one that looks like SQL
        assertThat(ferry.watermark("accounts").key()).isEqualTo(drop);

        fixture.target().server().removeStub(refused);
        try (Connection c = hostile.getConnection()) {
            account(c, "zz' --", tie);
        }
        Run second = ferry.runAndAwait("accounts");

        // resumed after the tie-breaker key (bound), and the failed key read again by key (bound)
        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.gathered()).isEqualTo(2);
        assertThat(ferry.failures().list("accounts", Failure.Status.OPEN)).isEmpty();
        try (Connection c = hostile.getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM accounts")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
        }
        // the refused one was posted twice: refused, then accepted
        assertThat(fixture.target().received("/erp/accounts")).extracting(r -> r.path("code").asText())
                .containsExactlyInAnyOrder("O'Brien", "a' OR '1'='1", "plain", drop, drop, "zz' --");
    }

    private static void account(Connection c, String code, Timestamp at) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, ?)")) {
            ps.setString(1, code);
            ps.setTimestamp(2, at);
            ps.setString(3, "name of " + code);
            ps.executeUpdate();
        }
    }

    private static void insert(Connection c, long id, double score, byte[] data, String note) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO oddities VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setTimestamp(2, Timestamp.valueOf(LocalDateTime.now().minusHours(1)));
            ps.setDouble(3, score);
            ps.setBytes(4, data);
            ps.setString(5, note);
            // text that is not Unicode: half of a surrogate pair
            ps.setString(6, id == 4 ? "ab\uD800cd" : "label " + id);
            ps.executeUpdate();
        }
    }
}
