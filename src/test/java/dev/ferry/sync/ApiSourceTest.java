package dev.ferry.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ferry.connector.ConnectorReloader;
import dev.ferry.gather.Refresh;
import dev.ferry.ops.Operations;
import dev.ferry.runs.Failure;
import dev.ferry.runs.KeyRegistry;
import dev.ferry.runs.Run;
import dev.ferry.runs.RunStatus;
import dev.ferry.support.FakeApi;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.Target;
import dev.ferry.watermark.Watermark;

/**
 * An HTTP API as a connector's source ({@code ferry:gather} with {@code api}): the connector {@code contacts-api} in
 * {@code dev/ferry/api} reads a contacts API ({@link FakeApi}, a real HTTP server with a real paged result set) and
 * POSTs each record to a real HTTP target. Every record is delivered once per version, whatever the paging style,
 * a 429, a timeout half-way or a record that changes while Ferry pages through.
 */
class ApiSourceTest {

    private static final String C = "contacts-api";
    private static final String PATH = "/contacts";

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    private FakeApi api;
    private Target target;

    @BeforeEach
    void setUp() throws Exception {
        api = new FakeApi();
        target = fixture.target();
        Map<String, String> p = fixture.properties();
        p.put("camel.main.routes-include-pattern", "classpath:dev/ferry/api/*.camel.yaml");
        p.put(C + ".schedule.cron", RunningFerry.NEVER);
        p.put(C + ".target.url", target.url(PATH));
    }

    @AfterEach
    void tearDown() {
        fixture.stop();
        api.close();
    }

    private void paging(String style) {
        Map<String, String> p = fixture.properties();
        p.put(C + ".url", api.url("/" + (style.equals("next") ? "link" : style) + "/contacts"));
        p.put(C + ".paging", style);
        switch (style) {
            case "page" -> p.put(C + ".page-size-param", "per_page");
            case "offset" -> p.put(C + ".page-size-param", "limit");
            case "token" -> p.put(C + ".next-path", "$.next_page_token");
            default -> { }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"page", "offset", "token", "next"})
    void eachPagingStyleDeliversEveryRecordOnceAndTheNextRunWhatChanged(String style) throws Exception {
        paging(style);
        api.create(45);
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait(C);
        assertThat(first.status()).as(first.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(first.gathered()).isEqualTo(45);
        assertThat(target.postedIds(PATH)).hasSize(45).doesNotHaveDuplicates();
        // five pages: the last, short or empty (or without a next), ends the paging
        assertThat(api.requests()).hasSizeBetween(5, 6);
        Watermark after = ferry.watermark(C);
        assertThat(after.key()).isEqualTo(45L);
        assertThat(after.cursor().toString()).isEqualTo(api.contact(45).updatedAt().atOffset(java.time.ZoneOffset.UTC).toString());

        // three contacts change and two are new: the next run asks from the watermark minus the overlap, and the
        // contact read again unchanged (45, in the overlap) is dropped by the key registry
        target.forgetRequests();
        int before = api.received();
        api.change(7, "v2");
        api.change(30, "v2");
        api.change(45, "v2");
        api.change(46, "v1");
        api.change(47, "v1");
        Run second = ferry.runAndAwait(C);
        assertThat(second.status()).as(second.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.gathered()).isEqualTo(5);
        assertThat(target.postedIds(PATH)).containsExactlyInAnyOrder(7L, 30L, 45L, 46L, 47L);
        assertThat(target.received(PATH)).allMatch(body -> !body.get("name").asText().isEmpty());
        assertThat(api.requests().get(before).query()).contains("updated_since=");

        target.forgetRequests();
        Run quiet = ferry.runAndAwait(C);
        assertThat(quiet.gathered()).isZero();
        assertThat(quiet.unchanged()).isPositive();
        assertThat(target.requests(PATH)).isEmpty();
    }

    @Test
    void a429IsWaitedOutAndATimeoutMidPaginationFailsTheRunAndMovesNothing() throws Exception {
        paging("page");
        fixture.properties().put(C + ".timeout", "1s");
        api.create(45);
        // the second page is answered 429, Retry-After 1 s
        api.tooManyRequests(2, 1);
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait(C);
        assertThat(first.status()).as(first.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(target.postedIds(PATH)).hasSize(45).doesNotHaveDuplicates();
        List<FakeApi.Request> requests = api.requests();
        assertThat(requests.get(2).query()).isEqualTo(requests.get(1).query());
        assertThat(Duration.between(requests.get(1).at(), requests.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        Watermark watermark = ferry.watermark(C);

        // 25 contacts change; the second page of the next run does not answer within apiTimeout (1 s)
        target.forgetRequests();
        for (long id = 1; id <= 25; id++) {
            api.change(id, "v2");
        }
        api.hold(api.received() + 2);
        Run failed = ferry.runAndAwait(C);
        api.release();
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).contains("GET " + api.url("/page/contacts")).contains("page=2")
                .containsIgnoringCase("timeout");
        assertThat(ferry.watermark(C)).isEqualTo(watermark);
        // the first page's records were in the run's open queue transaction: rolled back, not delivered
        assertThat(target.requests(PATH)).isEmpty();

        // changed meanwhile: caught by the next run with the others, each once
        api.change(40, "v3");
        Run next = ferry.runAndAwait(C);
        assertThat(next.status()).as(next.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(target.postedIds(PATH)).hasSize(26).doesNotHaveDuplicates().contains(40L);
        assertThat(target.received(PATH)).filteredOn(b -> b.get("id").asLong() == 40).singleElement()
                .matches(b -> b.get("name").asText().equals("v3"));
    }

    @Test
    void aRecordThatChangesWhileFerryPagesThroughIsDeliveredInBothVersionsAndNoneIsSkipped() throws Exception {
        paging("offset");
        // no allowance for the API's clock (the same as Ferry's here): the pages read before the change count as safe
        fixture.properties().put(C + ".overlap", "0s");
        api.create(45);
        // while page 2 is asked for, contact 3 (on page 1) changes: it moves to the end, and the contacts after it
        // move up a place, so contact 11 is on page 1 now and page 2 starts with contact 12
        api.before(2, () -> api.change(3, "v2"));
        RunningFerry ferry = fixture.start();

        Run first = ferry.runAndAwait(C);
        assertThat(first.status()).as(first.error()).isEqualTo(RunStatus.COMPLETED);
        List<Long> firstIds = target.postedIds(PATH);
        assertThat(firstIds).doesNotContain(11L).filteredOn(id -> id == 3).hasSize(2);
        // the watermark stays behind the pages read after the change: contact 11 is not passed over
        assertThat((Long) ferry.watermark(C).key()).isLessThanOrEqualTo(10L);

        target.forgetRequests();
        Run second = ferry.runAndAwait(C);
        assertThat(second.status()).as(second.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(target.postedIds(PATH)).containsExactly(11L);
        assertThat(ferry.watermark(C).key()).isEqualTo(3L);

        // every contact reached the target, each version once
        Map<String, Integer> versions = new HashMap<>();
        for (JsonNode body : target.received(PATH)) {
            versions.merge(body.get("id").asText() + "/" + body.get("name").asText(), 1, Integer::sum);
        }
        assertThat(versions).containsEntry("11/v1", 1);
    }

    @ParameterizedTest
    @EnumSource(value = FakeApi.Auth.class, names = {"BASIC", "BEARER", "OAUTH2"})
    void basicBearerAndOAuth2ClientCredentialsThroughCamelHttp(FakeApi.Auth auth) throws Exception {
        paging("page");
        api.auth(auth);
        Map<String, String> p = fixture.properties();
        switch (auth) {
            case BASIC -> {
                p.put(C + ".user", FakeApi.USER);
                p.put(C + ".password", FakeApi.PASSWORD);
            }
            case BEARER -> p.put(C + ".token", FakeApi.TOKEN);
            default -> {
                p.put(C + ".client-id", FakeApi.CLIENT_ID);
                p.put(C + ".client-secret", FakeApi.CLIENT_SECRET);
                p.put(C + ".token-endpoint", api.url("/oauth/token"));
            }
        }
        api.create(25);
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);
        assertThat(run.status()).as(run.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(target.postedIds(PATH)).hasSize(25);
        // authenticated from the first request (Basic is sent pre-emptively): no 401 round trip
        assertThat(api.requests()).hasSize(3).allMatch(r -> r.authorization() != null);
        if (auth == FakeApi.Auth.OAUTH2) {
            assertThat(api.tokenRequests()).isBetween(1, 3);
        }
        // the secrets are in no endpoint URI that JMX (and so Jolokia and Hawtio) shows
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> endpoints = jmx.queryNames(new ObjectName("org.apache.camel:type=endpoints,*"), null);
        assertThat(endpoints).isNotEmpty();
        for (ObjectName endpoint : endpoints) {
            assertThat(String.valueOf(jmx.getAttribute(endpoint, "EndpointUri"))).doesNotContain(FakeApi.PASSWORD)
                    .doesNotContain(FakeApi.CLIENT_SECRET).doesNotContain(FakeApi.TOKEN);
        }
    }

    @Test
    void aContactWhoseDeliveryFailedIsReadAgainAndSentThoughItDidNotChange() throws Exception {
        paging("page");
        fixture.properties().put("camel.component.ferry.max-attempts", "10");
        api.create(25);
        target.server().stubFor(post(PATH).atPriority(1).withRequestBody(matchingJsonPath("$.id", equalTo("4")))
                .willReturn(aResponse().withStatus(422)));
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.INCOMPLETE);

        // the next run asks from the failed contact's version (older than the watermark), and sends it again
        target.acceptEverything();
        int before = api.received();
        Run again = ferry.runAndAwait(C);
        assertThat(again.status()).as(again.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(again.gathered()).isEqualTo(1);
        assertThat(target.postedIds(PATH)).containsExactly(4L);
        String since = URLDecoder.decode(api.requests().get(before).query(), StandardCharsets.UTF_8)
                .replaceAll(".*updated_since=([^&]*).*", "$1");
        // a second before it: an API whose filter leaves the value itself out answers it all the same
        assertThat(Instant.parse(since)).isEqualTo(api.contact(4).updatedAt().minusSeconds(1));
        assertThat(ferry.failures().find(C, "4").orElseThrow().status()).isEqualTo(Failure.Status.RESOLVED);
    }

    @Test
    void aFullRefreshReadsEveryPageAndDeliversTheContactsTheApiNoLongerListsAsDeletes() throws Exception {
        paging("token");
        api.create(45);
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).gathered()).isEqualTo(45);

        target.forgetRequests();
        api.delete(12);
        api.delete(13);
        api.change(20, "v2");
        Operations operations = ferry.bean("ferryOperations", Operations.class);
        Run refresh = ferry.awaitEnded(operations.start(C, false, Refresh.Kind.FULL, 0, "test").id());

        assertThat(refresh.status()).as(refresh.error()).isEqualTo(RunStatus.COMPLETED);
        assertThat(refresh.refresh()).isEqualTo(Refresh.Kind.FULL);
        assertThat(refresh.gathered()).isEqualTo(3);
        assertThat(refresh.deleted()).isEqualTo(2);
        assertThat(refresh.unchanged()).isEqualTo(42);
        // a delete carries the key alone; this deliver route POSTs it like any other record
        assertThat(target.received(PATH)).extracting(JsonNode::toString)
                .containsExactlyInAnyOrder("{\"id\":12}", "{\"id\":13}", target.received(PATH).stream()
                        .filter(b -> b.get("id").asLong() == 20).findFirst().orElseThrow().toString());
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(43);
        // the first page of the refresh carried no changed-since filter
        assertThat(api.requests().stream().filter(r -> r.query() == null || !r.query().contains("updated_since"))).hasSizeGreaterThan(5);
    }

    @Test
    void aContactTooLargeToCarryIsNotTakenForGoneByAFullRefresh() throws Exception {
        paging("page");
        fixture.properties().put("ferry.gather.max-record-size", "1KB");
        api.create(25);
        RunningFerry ferry = fixture.start();
        assertThat(ferry.runAndAwait(C).gathered()).isEqualTo(25);

        // contact 9 grows past the limit: it fails into the ledger, and is no delete
        target.forgetRequests();
        api.change(9, "x".repeat(2_000));
        Operations operations = ferry.bean("ferryOperations", Operations.class);
        Run refresh = ferry.awaitEnded(operations.start(C, false, Refresh.Kind.FULL, 0, "test").id());
        assertThat(refresh.failed()).isEqualTo(1);
        assertThat(refresh.deleted()).isZero();
        assertThat(target.requests(PATH)).isEmpty();
        assertThat(ferry.bean("ferryKeyRegistry", KeyRegistry.class).count(C)).isEqualTo(25);
        assertThat(ferry.failures().find(C, "9").orElseThrow().lastError()).contains("ferry.gather.max-record-size");
    }

    @Test
    void requestsPerSecondSpacesThePages() throws Exception {
        paging("page");
        fixture.properties().put(C + ".requests-per-second", "5");
        api.create(35);
        RunningFerry ferry = fixture.start();

        assertThat(ferry.runAndAwait(C).gathered()).isEqualTo(35);
        List<FakeApi.Request> requests = api.requests();
        assertThat(requests).hasSize(4);
        for (int i = 1; i < requests.size(); i++) {
            assertThat(Duration.between(requests.get(i - 1).at(), requests.get(i).at()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(190));
        }
    }

    @Test
    void anApiThatIgnoresThePageParameterFailsTheRunInsteadOfPagingForEver() throws Exception {
        paging("page");
        // the API knows "page", not "pg": it answers the first page every time
        fixture.properties().put(C + ".page-param", "pg");
        api.create(45);
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("answered the same 10 records as the page before")
                .contains("'pg' (pageParam)");
        assertThat(api.requests()).hasSize(2);
        assertThat(ferry.watermark(C)).isNull();
    }

    @Test
    void aNextPageOnAnotherHostIsNotFollowedWithTheApisCredentials() throws Exception {
        // a security review's finding: the bearer token went wherever the API's Link header pointed
        paging("next");
        api.auth(FakeApi.Auth.BEARER);
        fixture.properties().put(C + ".token", FakeApi.TOKEN);
        api.nextPagesAt(target.url(""));
        api.create(25);
        RunningFerry ferry = fixture.start();

        Run run = ferry.runAndAwait(C);
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("names a next page at http://127.0.0.1:" + target.server().port())
                .contains("Ferry sends the API's credentials nowhere else");
        assertThat(target.server().getAllServeEvents()).isEmpty();
        assertThat(api.requests()).hasSize(1);
    }

    @Test
    void anApiConnectorWithABadOptionIsRejectedNamingItsFileAndOption() throws Exception {
        // token paging needs the JSON path of the next page's token
        paging("token");
        fixture.properties().remove(C + ".next-path");
        RunningFerry ferry = fixture.start();
        ConnectorReloader.Outcome outcome = ferry.bean("ferryReloader", ConnectorReloader.class).lastOutcome(C)
                .orElseThrow();
        assertThat(outcome.reloaded()).isFalse();
        assertThat(outcome.message()).contains("contacts-api.camel.yaml").contains("nextPath");
        assertThat(ferry.camel().getRoute(C + "-gather")).isNull();
    }
}
