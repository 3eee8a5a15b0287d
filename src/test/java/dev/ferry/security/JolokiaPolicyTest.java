package dev.ferry.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.management.InstanceNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.fasterxml.jackson.databind.JsonNode;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.api.Restrictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.runs.RunStatus;
import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;
import dev.ferry.support.TestProfile;

/**
 * Jolokia's allow-list (issue 16, findings 1, 3, 4, 12): every MBean registered in the JVM, every readable
 * attribute and every operation of it (by name and by signature, as a client may name it) is put to the policy
 * Ferry's Jolokia loads; what it allows must be on this test's list — Ferry's own MBeans, Camel's statistics and
 * state, the unresolved route structure Hawtio draws, the JVM's figures — and nothing that takes an endpoint URI, an
 * expression or a class name, resolves placeholders, or holds a URL or configuration. Then, over HTTP, for each role:
 * every allowed attribute reads, only an operator execs, the review's payloads are refused, and a secret planted in
 * every place an operator puts one appears in no answer.
 */
class JolokiaPolicyTest {

    private static final String C = "customers-to-erp";
    private static final String I = "invoices-to-erp";
    private static final String CONTEXT = "org.apache.camel:context=ferry,type=context,name=\"ferry\"";
    private static final String ROUTE = "org.apache.camel:context=ferry,type=routes,name=\"" + C + "-deliver\"";
    private static final String OPERATOR_PASSWORD = "Op-Pw-77a1c2";
    private static final String READER_PASSWORD = "Rd-Pw-19be07";
    // planted where operators put secrets: target options, URL user info and query, the broker URL's query
    private static final String AUTH_PASSWORD = "Auth-Pw-5c1e4f";
    private static final String API_KEY = "Api-Key-3e9a0d";
    private static final String URL_PASSWORD = "Url-Pw-8d2f6a";
    private static final String TRUST_PASSWORD = "Trust-Pw-6b7c91";
    private static final List<String> SECRETS = List.of(OPERATOR_PASSWORD, READER_PASSWORD, AUTH_PASSWORD, API_KEY,
            URL_PASSWORD, TRUST_PASSWORD);

    private static final List<String> STATISTICS = List.of("ExchangesTotal", "ExchangesCompleted", "ExchangesFailed",
            "ExchangesInflight", "FailuresHandled", "Redeliveries", "ExternalRedeliveries", "MinProcessingTime",
            "MaxProcessingTime", "MeanProcessingTime", "TotalProcessingTime", "LastProcessingTime", "DeltaProcessingTime",
            "StartTimestamp", "ResetTimestamp", "IdleSince", "FirstExchangeCompletedTimestamp",
            "FirstExchangeCompletedExchangeId", "FirstExchangeFailureTimestamp", "FirstExchangeFailureExchangeId",
            "LastExchangeCreatedTimestamp", "LastExchangeCompletedTimestamp", "LastExchangeCompletedExchangeId",
            "LastExchangeFailureTimestamp", "LastExchangeFailureExchangeId", "StatisticsEnabled", "State", "CamelId");
    private static final List<String> LOAD = List.of("Load01", "Load05", "Load15", "Throughput");

    /** What may be read, by MBean type (domain:type=...): the list this test holds the policy to. */
    private static final Map<String, Set<String>> READS = Map.ofEntries(
            Map.entry("org.apache.camel:type=context", union(STATISTICS, LOAD, List.of("CamelVersion", "CamelDescription",
                    "ManagementName", "Profile", "Uptime", "UptimeMillis", "TotalRoutes", "StartedRoutes", "AutoStartup",
                    "Tracing", "MessageHistory", "ManagementStatisticsLevel", "Timeout", "TimeUnit", "ShutdownNowOnTimeout",
                    "UseMDCLogging", "UseBreadcrumb", "RemoteExchangesTotal", "RemoteExchangesCompleted",
                    "RemoteExchangesFailed", "RemoteExchangesInflight"))),
            Map.entry("org.apache.camel:type=routes", union(STATISTICS, LOAD, List.of("CamelManagementName", "RouteId",
                    "RouteGroup", "Description", "RouteConfigurationId", "SourceLocationShort", "AutoStartup", "Uptime",
                    "UptimeMillis", "Tracing", "MessageHistory", "HasRouteController", "CreatedByKamelet",
                    "CreatedByRouteTemplate", "OldestInflightDuration", "OldestInflightExchangeId"))),
            Map.entry("org.apache.camel:type=processors", union(STATISTICS, List.of("CamelManagementName", "ProcessorId",
                    "ProcessorName", "StepId", "RouteId", "Index", "Level", "NodePrefixId", "SourceLineNumber",
                    "SourceLocationShort", "Disabled"))),
            Map.entry("org.apache.camel:type=consumers", Set.of("CamelId", "RouteId", "ServiceType", "State", "Suspended",
                    "InflightExchanges")),
            Map.entry("org.apache.camel:type=producers", Set.of("CamelId", "RouteId", "ServiceType", "State", "Suspended")),
            Map.entry("org.apache.camel:type=endpoints", Set.of("CamelId", "State")),
            Map.entry("org.apache.camel:type=components", Set.of("CamelId", "ComponentName", "State")),
            Map.entry("org.apache.camel:type=services", Set.of("CamelId", "RouteId", "ServiceType", "State", "Suspended")),
            Map.entry("org.apache.camel:type=threadpools", Set.of("CamelId", "Id", "SourceId", "RouteId",
                    "ThreadPoolProfileId", "ActiveCount", "PoolSize", "CorePoolSize", "MaximumPoolSize", "LargestPoolSize",
                    "TaskCount", "CompletedTaskCount", "TaskQueueSize", "TaskQueueEmpty", "Shutdown")),
            Map.entry("org.apache.camel:type=dataformats", Set.of("CamelId", "Name", "State")),
            Map.entry("org.apache.camel:type=health", Set.of("Enabled", "Healthy", "HealthyLiveness", "HealthyReadiness",
                    "HealthChecksIDs")),
            Map.entry("org.apache.camel:type=ferry-connectors", Set.of("Id", "Enabled", "Ended", "Schedule", "NextFire",
                    "Watermark", "QueueDepth", "OpenFailures", "ParkedFailures", "LastRunId", "LastRunStatus",
                    "LastRunCounts", "PendingPreview")),
            Map.entry("org.apache.camel:type=ferry", Set.of("RecentRuns")),
            Map.entry("java.lang:type=Memory", Set.of("HeapMemoryUsage", "NonHeapMemoryUsage", "ObjectPendingFinalizationCount")),
            Map.entry("java.lang:type=Threading", Set.of("ThreadCount", "PeakThreadCount", "DaemonThreadCount",
                    "TotalStartedThreadCount")),
            Map.entry("java.lang:type=Runtime", Set.of("Uptime", "StartTime", "Pid", "VmName", "VmVendor", "VmVersion",
                    "SpecName", "SpecVendor", "SpecVersion")),
            Map.entry("java.lang:type=OperatingSystem", Set.of("AvailableProcessors", "SystemLoadAverage", "ProcessCpuLoad",
                    "ProcessCpuTime", "CpuLoad", "SystemCpuLoad", "TotalMemorySize", "FreeMemorySize",
                    "TotalPhysicalMemorySize", "FreePhysicalMemorySize", "CommittedVirtualMemorySize", "TotalSwapSpaceSize",
                    "FreeSwapSpaceSize", "OpenFileDescriptorCount", "MaxFileDescriptorCount", "Arch", "Name", "Version")),
            Map.entry("java.lang:type=GarbageCollector", Set.of("Name", "Valid", "CollectionCount", "CollectionTime",
                    "MemoryPoolNames")),
            Map.entry("java.lang:type=MemoryPool", Set.of("Name", "Type", "Valid", "Usage", "PeakUsage", "CollectionUsage",
                    "MemoryManagerNames")),
            Map.entry("java.lang:type=ClassLoading", Set.of("LoadedClassCount", "TotalLoadedClassCount", "UnloadedClassCount")),
            Map.entry("java.lang:type=Compilation", Set.of("Name", "TotalCompilationTime")),
            Map.entry("java.nio:type=BufferPool", Set.of("Name", "Count", "MemoryUsed", "TotalCapacity")));

    /** What may be invoked (by an operator), by MBean type; Ferry's MBeans: every operation (checked apart). */
    private static final Map<String, Set<String>> OPERATIONS = Map.of(
            "org.apache.camel:type=context", withBareNames("dumpRoutesStatsAsXml(boolean,boolean)",
                    "dumpRouteStatsAsJSon(boolean,boolean)", "dumpStepStatsAsXml(boolean)", "dumpStatsAsXml(boolean)",
                    "dumpStatsAsJSon(boolean)", "routeIds()", "routeGroups()").plus("dumpRoutesAsXml()"),
            "org.apache.camel:type=routes", withBareNames("dumpRouteStatsAsXml(boolean,boolean)",
                    "dumpRouteStatsAsJSon(boolean,boolean)", "dumpStepStatsAsXml(boolean)", "dumpStatsAsXml(boolean)",
                    "dumpStatsAsJSon(boolean)", "processorIds()").plus("dumpRouteAsXml()"),
            "org.apache.camel:type=processors", withBareNames("dumpStatsAsXml(boolean)", "dumpStatsAsJSon(boolean)").names(),
            "java.lang:type=Threading", withBareNames("findDeadlockedThreads()").plus("dumpAllThreads(boolean,boolean)"));
    private static final Set<String> FERRY_TYPES = Set.of("org.apache.camel:type=ferry-connectors", "org.apache.camel:type=ferry");

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void everyRoleGetsExactlyTheAllowListAndNoAnswerHoldsAPlantedSecret() throws Exception {
        fixture.properties().put("ferry.security.users", "anna:" + Passwords.hash(OPERATOR_PASSWORD) + ":operator;audit:"
                + Passwords.hash(READER_PASSWORD) + ":reader");
        String target = fixture.properties().get(C + ".target.url");
        fixture.properties().put(C + ".target.url", target + "?apiKey=" + API_KEY
                + "&authMethod=Basic&authUsername=erp&authPassword=" + AUTH_PASSWORD);
        fixture.properties().put(I + ".target.url", fixture.properties().get(I + ".target.url")
                .replace("http://", "http://erpuser:" + URL_PASSWORD + "@"));
        String broker = fixture.properties().getOrDefault("ferry.broker.url", "vm://0");
        fixture.properties().put("ferry.broker.url", broker + (broker.contains("?") ? "&" : "?") + "trustStorePassword="
                + TRUST_PASSWORD);
        RunningFerry ferry = fixture.start();
        Api operator = Api.at(Integer.parseInt(fixture.properties().get("camel.management.port"))).as("anna", OPERATOR_PASSWORD);
        Api reader = Api.at(Integer.parseInt(fixture.properties().get("camel.management.port"))).as("audit", READER_PASSWORD);
        Api api = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port"))).as("audit", READER_PASSWORD);
        // runs that deliver with the planted credentials, and fail with them in their errors
        assertThat(ferry.runAndAwait(C).status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ferry.runAndAwait(I).status()).isIn(RunStatus.INCOMPLETE, RunStatus.COMPLETED);

        // 1. the policy Ferry's Jolokia loads, put to every attribute and operation of every MBean in the JVM
        Restrictor policy = RestrictorFactory.lookupPolicyRestrictor("classpath:/jolokia-access.xml");
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        Map<ObjectName, List<String>> readable = new TreeMap<>();
        Map<ObjectName, List<MBeanOperationInfo>> invocable = new TreeMap<>();
        Set<String> unlisted = new TreeSet<>();
        int attributes = 0;
        int operations = 0;
        for (ObjectName name : jmx.queryNames(null, null)) {
            MBeanInfo info;
            try {
                info = jmx.getMBeanInfo(name);
            } catch (InstanceNotFoundException gone) {
                continue; // a temporary queue of the broker's, say, gone since the query
            }
            String type = type(name);
            for (MBeanAttributeInfo attribute : info.getAttributes()) {
                attributes++;
                assertThat(policy.isAttributeWriteAllowed(name, attribute.getName())).as("write " + name + " " + attribute.getName())
                        .isFalse();
                if (attribute.isReadable() && policy.isAttributeReadAllowed(name, attribute.getName())) {
                    if (!READS.getOrDefault(type, Set.of()).contains(attribute.getName())) {
                        unlisted.add("read " + type + " " + attribute.getName());
                    }
                    readable.computeIfAbsent(name, n -> new ArrayList<>()).add(attribute.getName());
                }
            }
            for (MBeanOperationInfo operation : info.getOperations()) {
                operations++;
                String signature = signature(operation);
                for (String asNamed : List.of(operation.getName(), signature)) {
                    if (policy.isOperationAllowed(name, asNamed)) {
                        if (asNamed.equals(operation.getName()) && !FERRY_TYPES.contains(type)) {
                            // a bare name reaches every overload: allowed only for an operation that has none
                            assertThat(Stream.of(info.getOperations()).filter(o -> o.getName().equals(asNamed)))
                                    .as("overloads of " + name + " " + asNamed).hasSize(1);
                        }
                        if (!FERRY_TYPES.contains(type) && !OPERATIONS.getOrDefault(type, Set.of()).contains(asNamed)) {
                            unlisted.add("exec " + type + " " + asNamed);
                        }
                        if (asNamed.equals(signature)) {
                            invocable.computeIfAbsent(name, n -> new ArrayList<>()).add(operation);
                        }
                    }
                }
            }
        }
        assertThat(unlisted).as("allowed by jolokia-access.xml but not on this test's list").isEmpty();
        assertThat(readable.keySet().stream().map(JolokiaPolicyTest::type)).contains("org.apache.camel:type=routes",
                "org.apache.camel:type=ferry-connectors", "java.lang:type=Memory");
        System.out.printf("JolokiaPolicyTest: %d MBeans, %d attributes, %d operations; allowed: %d attributes, %d operations%n",
                jmx.queryNames(null, null).size(), attributes, operations,
                readable.values().stream().mapToInt(List::size).sum(), invocable.values().stream().mapToInt(List::size).sum());

        // 2. over HTTP, as each role: every allowed attribute reads; anything else of theirs does not
        List<String> answers = new ArrayList<>();
        for (Api role : List.of(reader, operator)) {
            for (Map.Entry<ObjectName, List<String>> mbean : readable.entrySet()) {
                Api.Answer read = role.post("/observe/jolokia", "{\"type\":\"read\",\"mbean\":" + quote(mbean.getKey().toString())
                        + ",\"attribute\":[" + mbean.getValue().stream().map(JolokiaPolicyTest::quote)
                        .collect(Collectors.joining(",")) + "]}");
                assertThat(read.json().path("status").asInt()).as(mbean.getKey() + ": " + read.text()).isIn(200, 404);
                answers.add(read.text());
            }
            for (String[] denied : new String[][] {{ROUTE, "EndpointUri"}, {ROUTE, "LastError"}, {CONTEXT, "GlobalOptions"},
                    {"java.lang:type=Runtime", "InputArguments"}, {"java.lang:type=Runtime", "SystemProperties"},
                    {"java.lang:type=Runtime", "ClassPath"}, {"org.apache.camel:context=ferry,type=processors,name=\"to15\"",
                    "Destination"}}) {
                Api.Answer read = role.post("/observe/jolokia", "{\"type\":\"read\",\"mbean\":" + quote(denied[0])
                        + ",\"attribute\":" + quote(denied[1]) + "}");
                assertThat(read.json().path("status").asInt()).as(denied[1] + ": " + read.text()).isIn(403, 404);
                answers.add(read.text());
            }
            // every endpoint's attributes, as Hawtio's Endpoints view asks for them, with the errors left in
            answers.add(role.post("/observe/jolokia", "{\"type\":\"read\",\"mbean\":\"org.apache.camel:type=endpoints,*\","
                    + "\"config\":{\"ignoreErrors\":true}}").text());
            answers.add(role.post("/observe/jolokia", "{\"type\":\"list\"}").text());
            answers.add(role.post("/observe/jolokia", "{\"type\":\"search\",\"mbean\":\"*:*\"}").text());
            answers.add(role.post("/observe/jolokia", "{\"type\":\"version\"}").text());
        }

        // 3. only an operator execs: each allowed operation refused to the reader, the read-only ones run for the operator
        int executed = 0;
        for (Map.Entry<ObjectName, List<MBeanOperationInfo>> mbean : invocable.entrySet()) {
            boolean ferrys = FERRY_TYPES.contains(type(mbean.getKey()));
            for (MBeanOperationInfo operation : mbean.getValue()) {
                String request = exec(mbean.getKey().toString(), signature(operation), arguments(operation));
                Api.Answer refused = reader.post("/observe/jolokia", request);
                assertThat(refused.status()).as(request).isEqualTo(403);
                assertThat(refused.json().path("error").asText()).contains("user audit may only read over Jolokia");
                if (!ferrys) {
                    // Camel's and the JVM's allowed operations only read: run each once, keep what it answers
                    Api.Answer ran = operator.post("/observe/jolokia", request);
                    assertThat(ran.json().path("status").asInt()).as(request + ": " + ran.text()).isIn(200, 404);
                    answers.add(ran.text());
                    executed++;
                }
            }
        }
        assertThat(executed).isPositive();

        // 4. the review's payloads, for both roles: refused, and the file the first would have emptied is not touched
        Path victim = Files.writeString(fixture.data().resolve("victim.txt"), "still here");
        Path created = fixture.data().resolve("created-by-jolokia");
        List<String> payloads = List.of(
                exec(CONTEXT, "canSendToEndpoint", "[\"log:y?exchangeFormatter=#class:java.io.FileOutputStream('" + victim + "')\"]"),
                exec(CONTEXT, "canSendToEndpoint(java.lang.String)", "[\"log:y?exchangeFormatter=#class:java.io.FileOutputStream('"
                        + created + "')\"]"),
                exec(CONTEXT, "hasTypeConverter", "[\"#class:java.io.FileOutputStream('" + created + "')\",\"java.lang.String\"]"),
                exec(CONTEXT, "createEndpoint(java.lang.String)", "[\"file:" + fixture.data() + "?fileName=x\"]"),
                exec(CONTEXT, "sendStringBody(java.lang.String,java.lang.String)", "[\"direct:ferry-api-housekeeping-run\",\"x\"]"),
                exec(CONTEXT, "dumpRoutesAsXml(boolean)", "[true]"),
                exec(CONTEXT, "dumpRoutesAsXml(boolean,boolean)", "[true,true]"),
                exec(CONTEXT, "dumpRoutesAsXml(boolean,boolean,boolean)", "[true,true,true]"),
                exec(CONTEXT, "dumpRoutesAsYaml(boolean)", "[true]"),
                exec(CONTEXT, "dumpRestsAsXml(boolean)", "[true]"),
                exec(CONTEXT, "dumpRoutesAsXml", "[true]"),
                exec(ROUTE, "dumpRouteAsXml(boolean)", "[true]"),
                exec(ROUTE, "dumpRouteAsYaml(boolean)", "[true]"),
                exec(ROUTE, "stop()", "[]"),
                exec("org.apache.camel:context=ferry,type=routes,*", "dumpRouteAsXml()", "[]"),
                exec("java.lang:type=Memory", "gc()", "[]"),
                exec("com.sun.management:type=HotSpotDiagnostic", "dumpHeap(java.lang.String,boolean)",
                        "[\"" + fixture.data().resolve("heap.hprof") + "\",true]"));
        for (Api role : List.of(reader, operator)) {
            for (String payload : payloads) {
                Api.Answer refused = role.post("/observe/jolokia", payload);
                assertThat(refused.json().path("status").asInt()).as(payload + ": " + refused.text()).isEqualTo(403);
                answers.add(refused.text());
            }
        }
        assertThat(Files.readString(victim)).isEqualTo("still here");
        assertThat(created).doesNotExist();
        assertThat(fixture.data().resolve("heap.hprof")).doesNotExist();
        assertThat(ferry.camel().getRouteController().getRouteStatus(C + "-deliver").isStarted()).isTrue();

        // 5. no planted secret in any answer: Jolokia's above, health with every detail, info, metrics, the API
        answers.add(operator.get("/observe/health?exposureLevel=full&data=true&stackTrace=true").text());
        answers.add(operator.get("/observe/health/ready?exposureLevel=full&data=true").text());
        answers.add(operator.get("/observe/info").text());
        answers.add(operator.get("/observe/metrics").text());
        for (String path : List.of("/api/connectors", "/api/connectors/" + C, "/api/connectors/" + I, "/api/runs?limit=100",
                "/api/connectors/" + I + "/failures?limit=1000", "/api/openapi.json")) {
            answers.add(api.get(path).text());
        }
        for (JsonNode run : api.get("/api/runs?limit=100").json().path("items")) {
            answers.add(api.get("/api/runs/" + run.path("id").asLong()).text());
        }
        assertThat(String.join("\n", answers)).as("the failed deliveries' errors are among the answers")
                .contains("/erp/invoices");
        for (String secret : SECRETS) {
            for (String answer : answers) {
                assertThat(answer).as("an answer").doesNotContain(secret);
            }
        }
        System.out.printf("JolokiaPolicyTest: %d answers searched for %d planted secrets, none found%n", answers.size(),
                SECRETS.size());
        if (TestProfile.prod()) {
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"broker.url\""));
        }
    }

    /** {@code domain:type=...}, the key of this test's lists. */
    private static String type(ObjectName name) {
        String type = name.getKeyProperty("type");
        return name.getDomain() + (type == null ? ":" + name.getKeyPropertyListString() : ":type=" + type);
    }

    private static String signature(MBeanOperationInfo operation) {
        return operation.getName() + Stream.of(operation.getSignature()).map(MBeanParameterInfo::getType)
                .collect(Collectors.joining(",", "(", ")"));
    }

    /** Arguments for a read-only operation: every flag true, but a thread dump's (no monitors, no synchronizers). */
    private static String arguments(MBeanOperationInfo operation) {
        boolean threads = operation.getName().equals("dumpAllThreads");
        return Stream.of(operation.getSignature()).map(p -> "boolean".equals(p.getType()) ? String.valueOf(!threads) : "null")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static String exec(String mbean, String operation, String arguments) {
        return "{\"type\":\"exec\",\"mbean\":" + quote(mbean) + ",\"operation\":" + quote(operation) + ",\"arguments\":"
                + arguments + "}";
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Operations by signature, and by bare name too: each is the only operation of its name on its MBean. */
    private static Names withBareNames(String... signatures) {
        Set<String> names = new TreeSet<>(List.of(signatures));
        for (String signature : signatures) {
            names.add(signature.substring(0, signature.indexOf('(')));
        }
        return new Names(names);
    }

    private record Names(Set<String> names) {
        Set<String> plus(String... more) {
            Set<String> all = new TreeSet<>(names);
            all.addAll(List.of(more));
            return all;
        }
    }

    @SafeVarargs
    private static Set<String> union(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).collect(Collectors.toUnmodifiableSet());
    }
}
