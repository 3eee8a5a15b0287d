package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

class RowEncoderTest {

    @Test
    void encodesEachSqlTypeAtFullPrecisionWithLowerCaseNames() throws Exception {
        String json = encode("SELECT CAST(42 AS BIGINT) AS ID, CAST(7 AS INTEGER) AS Qty, CAST('25500.00' AS DECIMAL(12, 2)) AS AMOUNT,"
                + " CAST(1.5 AS DOUBLE PRECISION) AS RATE, TRUE AS ACTIVE, 'Zoë \"Z\" O''Brien' AS NAME,"
                + " TIMESTAMP '2026-03-29 02:30:00.123456' AS UPDATED_AT,"
                + " TIMESTAMP WITH TIME ZONE '2026-10-25 02:30:00.000001+02:00' AS PAID_AT,"
                + " DATE '2026-02-28' AS DUE_ON, TIME '23:59:58' AS CUTOFF, X'CAFE' AS BLOB, CAST(NULL AS VARCHAR) AS NOTE,"
                + " CAST(NULL AS BIGINT) AS PARENT, JSON '{\"tier\":\"gold\",\"n\":[1,2]}' AS ATTRS,"
                + " CAST(NULL AS JSON) AS EXTRA", "ferry_settled");

        assertThat(json).isEqualTo("{\"id\":42,\"qty\":7,\"amount\":25500.00,\"rate\":1.5,\"active\":true,"
                + "\"name\":\"Zoë \\\"Z\\\" O'Brien\",\"updated_at\":\"2026-03-29T02:30:00.123456\","
                + "\"paid_at\":\"2026-10-25T02:30:00.000001+02:00\",\"due_on\":\"2026-02-28\",\"cutoff\":\"23:59:58\","
                + "\"blob\":\"yv4=\",\"note\":null,\"parent\":null,\"attrs\":{\"tier\":\"gold\",\"n\":[1,2]},"
                + "\"extra\":null}");
    }

    @Test
    void leavesOutTheColumnsItIsToldToSkip() throws Exception {
        assertThat(encode("SELECT 1 AS ID, 1 AS FERRY_SETTLED", "ferry_settled")).isEqualTo("{\"id\":1}");
    }

    @Test
    void refusesNumbersJsonCannotCarry() {
        assertThatThrownBy(() -> encode("SELECT CAST('Infinity' AS DOUBLE PRECISION) AS RATE"))
                .isInstanceOf(RowEncoder.EncodingException.class)
                .hasMessage("column rate: value Infinity has no JSON representation");
    }

    @Test
    void refusesTextThatIsNotUnicodeAndKeepsPairedSurrogates() throws Exception {
        assertThat(RowEncoder.text("emoji \uD83D\uDE00 ok")).isEqualTo("emoji \uD83D\uDE00 ok");
        assertThatThrownBy(() -> RowEncoder.text("ab\uDE00")).isInstanceOf(RowEncoder.EncodingException.class)
                .hasMessageContaining("unpaired surrogate U+DE00 at character 2");
        assertThatThrownBy(() -> RowEncoder.text("x\uD83D")).hasMessageContaining("U+D83D at character 1");
    }

    @Test
    void aRecordsSizeIsItsUtf8Length() {
        String text = "aé€\uD83D\uDE00"; // 1 + 2 + 3 + 4 bytes
        assertThat(Gatherer.utf8Length(text, 0)).isEqualTo(10);
        // far below the limit, the length in characters is enough
        assertThat(Gatherer.utf8Length(text, 1_000)).isEqualTo(text.length());
    }

    private static String encode(String sql, String... skip) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return new RowEncoder(rs.getMetaData(), skip).encode(rs);
        }
    }
}
