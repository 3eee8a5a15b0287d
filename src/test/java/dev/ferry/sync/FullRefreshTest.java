package dev.ferry.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.gather.Refresh;
import dev.ferry.queue.SyncQueue;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RefreshItems;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;

/**
 * Full refresh ({@code refresh: full}): every run reads the whole table and delivers only what is new or changed since
 * it was last queued (the key registry's content hashes), and keys gone from the table as deletes within the delete
 * limit. The real Main, an H2 source, a real HTTP target; connector {@code items-refresh} in {@code dev/ferry/refresh}.
 */
class FullRefreshTest {

    private static final String C = RefreshItems.CONNECTOR;
    private static final String PATH = RefreshItems.PATH;

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private RefreshItems items;
    private Target target;

    @BeforeEach
    void setUp() throws SQLException {
        target = fixture.target();
        items = RefreshItems.create(fixture.data());
        items.configure(fixture.properties(), target);
    }

    @Test
    void aFullRefreshOf100kRowsWhere1000ChangedDeliversThe1000AndTheRegistrySurvivesARestart() throws Exception {
        items.insert(100_000);
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait(C);
        assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(first.refresh()).isEqualTo(Refresh.Kind.FULL);
        assertThat(first.gathered()).isEqualTo(100_000);
        assertThat(first.delivered()).isEqualTo(100_000);
        assertThat(first.unchanged()).isZero();
        assertThat(target.postedIds(PATH)).hasSize(100_000).doesNotHaveDuplicates();
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(100_000);

        // 1,000 rows change, one of them only in its timestamp; 99,000 do not
        target.forgetRequests();
        items.sql("UPDATE items SET name = 'v2', updated_at = LOCALTIMESTAMP WHERE MOD(id, 100) = 0 AND id <> 100");
        items.sql("UPDATE items SET updated_at = LOCALTIMESTAMP WHERE id = 100");
        Run second = ferry.runAndAwait(C);

        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.gathered()).isEqualTo(1_000);
        assertThat(second.delivered()).isEqualTo(1_000);
        assertThat(second.unchanged()).isEqualTo(99_000);
        assertThat(second.deleted()).isZero();
        List<Long> ids = target.postedIds(PATH);
        assertThat(ids).hasSize(1_000).doesNotHaveDuplicates().allMatch(id -> id % 100 == 0);
        // the unchanged rows cost no request: 1,000 records in batches of up to 100, one filling per message group
        assertThat(target.requests(PATH)).hasSizeBetween(10, SyncQueue.Writer.BATCH_GROUPS);

        // the registry is in the state database: a Ferry started again finds every row unchanged
        target.forgetRequests();
        fixture.stop();
        ferry = fixture.start();
        Run afterRestart = ferry.runAndAwait(C);
        assertThat(afterRestart.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(afterRestart.gathered()).isZero();
        assertThat(afterRestart.unchanged()).isEqualTo(100_000);
        assertThat(target.requests(PATH)).isEmpty();
    }

    @Test
    void rowsDeletedAtTheSourceAreDeliveredAsDeletesAndAMassDeletionWaitsForAnOperatorsConfirmation() throws Exception {
        fixture.properties().put(C + ".batch-size", "1");
        items.insert(1_000);
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).delivered()).isEqualTo(1_000);
        target.forgetRequests();

        // 50 rows hard-deleted: no soft-delete column, no CDC
        items.sql("DELETE FROM items WHERE MOD(id, 20) = 0");
        Run deletes = ferry.runAndAwait(C);

        assertThat(deletes.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(deletes.deleted()).isEqualTo(50);
        assertThat(deletes.gathered()).isEqualTo(50);
        assertThat(deletes.delivered()).isEqualTo(50);
        assertThat(deletes.unchanged()).isEqualTo(950);
        assertThat(target.deleted(PATH)).hasSize(50).doesNotHaveDuplicates()
                .allMatch(id -> Long.parseLong(id) % 20 == 0);
        assertThat(target.requests(PATH)).isEmpty();
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(950);

        // 90 % of what is left vanishes (a truncated table, a broken view): the run fails and deletes nothing
        target.forgetRequests();
        items.sql("DELETE FROM items WHERE id > 99");
        long gone = 950 - items.count();
        assertThat(gone).isEqualTo(855);
        for (int attempt = 0; attempt < 2; attempt++) {
            Run refused = ferry.runAndAwait(C);
            assertThat(refused.status()).isEqualTo(RunStatus.FAILED);
            assertThat(refused.error()).contains("would delete 855 of the 950 registered keys (90.0 %)")
                    .contains("deleteLimit (10 %)").contains("nothing was deleted").contains("\"confirmDeletes\": 855");
            assertThat(refused.gathered()).isZero();
        }
        assertThat(target.deleted(PATH)).isEmpty();
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(950);

        // an operator who confirms fewer than would go is refused again; the number the run named goes through (the
        // call the error names)
        Api api = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port")));
        Api.Answer fewer = api.post("/api/connectors/" + C + "/runs", "{\"refresh\": \"FULL\", \"confirmDeletes\": 800}");
        assertThat(fewer.status()).as(fewer.text()).isEqualTo(202);
        Run tooFew = ferry.awaitEnded(fewer.json().get("id").asLong());
        assertThat(tooFew.refresh()).isEqualTo(Refresh.Kind.FULL);
        assertThat(tooFew.status()).isEqualTo(RunStatus.FAILED);
        assertThat(target.deleted(PATH)).isEmpty();
        Run confirmed = ferry.awaitEnded(api.post("/api/connectors/" + C + "/runs",
                "{\"refresh\": \"FULL\", \"confirmDeletes\": 855}").json().get("id").asLong());
        assertThat(confirmed.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(confirmed.deleted()).isEqualTo(855);
        await().atMost(Duration.ofSeconds(30)).until(() -> target.deleted(PATH).size() == 855);
        assertThat(new HashSet<>(target.deleted(PATH))).hasSize(855);
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(95);

        // and after that, nothing: the registry and the table agree
        target.forgetRequests();
        Run quiet = ferry.runAndAwait(C);
        assertThat(quiet.gathered()).isZero();
        assertThat(quiet.unchanged()).isEqualTo(95);
        assertThat(target.deleted(PATH)).isEmpty();
    }

    @Test
    void aRecordWhoseDeliveryFailedIsSentAgainByTheNextFullRefreshThoughItDidNotChange() throws Exception {
        fixture.properties().put(C + ".batch-size", "1");
        fixture.properties().put("camel.component.ferry.max-attempts", "10");
        items.insert(20);
        target.server().stubFor(post(PATH).atPriority(1)
                .withRequestBody(matchingJsonPath("$.id",
                        equalTo("7")))
                .willReturn(aResponse().withStatus(422)));
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.INCOMPLETE);

        target.acceptEverything();
        Run again = ferry.runAndAwait(C);

        assertThat(again.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(again.gathered()).isEqualTo(1);
        assertThat(again.unchanged()).isEqualTo(19);
        assertThat(target.postedIds(PATH)).containsExactly(7L);
    }
}
