package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class BatchHeadersTest {

    @Test
    void keysOfAnyTextSurviveTheHeaderArray() {
        String[] keys = {"1", "", "a\"quoted\" key", "back\\slash", "tab\tnew\nline\u0001", "ünïcödé €", "{\"json\":[1]}"};

        String header = BatchHeaders.write(keys);

        assertThat(BatchHeaders.read(header)).containsExactly(keys);
        assertThat(header).doesNotContain("\n").doesNotContain("\t");
    }

    @Test
    void aBatchKeyIsStableAndChangesWithAnyRecordVersion() {
        String key = BatchHeaders.idempotencyKey("c", new String[] {"k1", "k2"});

        assertThat(BatchHeaders.idempotencyKey("c", new String[] {"k1", "k2"})).isEqualTo(key).matches("[0-9a-f]{32}");
        assertThat(BatchHeaders.idempotencyKey("c", new String[] {"k1", "k3"})).isNotEqualTo(key);
        assertThat(BatchHeaders.idempotencyKey("d", new String[] {"k1", "k2"})).isNotEqualTo(key);
    }

    @Test
    void aHeaderThatIsNotAnArrayIsRefused() {
        assertThatThrownBy(() -> BatchHeaders.read("\"k1\"")).isInstanceOf(IllegalArgumentException.class);
        assertThat(BatchHeaders.read("[]")).isEqualTo(List.of());
    }
}
