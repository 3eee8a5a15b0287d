package dev.ferry.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SourceTest {

    private static Source table(String table, String cursor, String key) {
        return new Source(null, table, null, cursor, key, 1000, Duration.ofSeconds(5));
    }

    @Test
    void theMainPassUsesTheKeysetPredicateOfTheCompoundCursorAndTheUpperBound() {
        Source s = table("billing.customers", "updated_at", "id");
        assertThat(s.mainPassSql(true, true)).isEqualTo("SELECT * FROM billing.customers ferry_src"
                + " WHERE (updated_at > ? OR (updated_at = ? AND id > ?)) AND updated_at <= ? ORDER BY updated_at, id");
        assertThat(s.mainPassSql(true, true, true)).isEqualTo("SELECT * FROM billing.customers ferry_src"
                + " WHERE (updated_at, id) > (?, ?) AND updated_at <= ? ORDER BY updated_at, id");
        assertThat(s.mainPassSql(false, true)).isEqualTo(
                "SELECT * FROM billing.customers ferry_src WHERE updated_at <= ? ORDER BY updated_at, id");
        assertThat(s.mainPassSql(false, false)).isEqualTo(
                "SELECT * FROM billing.customers ferry_src WHERE updated_at IS NOT NULL ORDER BY updated_at, id");
        assertThat(s.mainPassSql(true, false)).isEqualTo("SELECT * FROM billing.customers ferry_src"
                + " WHERE (updated_at > ? OR (updated_at = ? AND id > ?)) ORDER BY updated_at, id");
    }

    @Test
    void aQueryIsWrappedSoThatItsColumnsCanBeFiltered() {
        Source s = new Source(null, null, "SELECT c.id, c.name, c.modified AS updated_at FROM crm c", "updated_at", "id",
                10, Duration.ZERO);
        assertThat(s.describeSql()).isEqualTo("SELECT updated_at, id FROM (SELECT c.id, c.name, c.modified AS updated_at"
                + " FROM crm c) ferry_src WHERE 1 = 0");
        assertThat(s.retryPassSql(2)).isEqualTo("SELECT ferry_src.*, CASE WHEN (updated_at < ? OR (updated_at = ?"
                + " AND id <= ?)) THEN 1 ELSE 0 END AS ferry_settled FROM (SELECT c.id, c.name, c.modified AS updated_at"
                + " FROM crm c) ferry_src WHERE id IN (?, ?)");
    }

    @Test
    void rejectsOptionsThatCannotWork() {
        assertThatThrownBy(() -> table("customers; DROP TABLE customers", "updated_at", "id"))
                .hasMessageContaining("table must be a plain or quoted SQL identifier");
        assertThatThrownBy(() -> table("customers", "updated_at desc", "id"))
                .hasMessageContaining("cursorColumn");
        assertThatThrownBy(() -> new Source(null, "t", "SELECT 1", "c", "k", 10, Duration.ZERO))
                .hasMessage("Set exactly one of table and query");
        assertThatThrownBy(() -> new Source(null, "t", null, "c", "k", 0, Duration.ZERO))
                .hasMessageContaining("fetchSize");
        assertThatThrownBy(() -> new Source(null, "t", null, "c", "k", 10, Duration.ofSeconds(-1)))
                .hasMessageContaining("settleLag");
        assertThat(table("\"Customer Master\"", "\"Updated At\"", "id").relation()).isEqualTo("\"Customer Master\" ferry_src");
    }
}
