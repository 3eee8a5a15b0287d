package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every route file is plain Camel YAML DSL — valid against the schema Camel ships, which Kaoto and
 * the SchemaStore use — and every connector file follows Ferry's conventions.
 */
class RouteFilesTest {

    private static final Path DEMO_ROUTES = Path.of("examples/demo/routes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader.class
                .getResourceAsStream("/schema/camelYamlDsl.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
        }
    }

    static Stream<Path> routeFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> routes = Files.list(DEMO_ROUTES)) {
            routes.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().forEach(files::add);
        }
        files.add(Path.of("src/main/resources/dev/ferry/demo/demo-erp.camel.yaml"));
        files.add(Path.of("src/main/resources/dev/ferry/delivery/delivery-errors.camel.yaml"));
        return files.stream();
    }

    static Stream<Path> connectorFiles() throws IOException {
        return routeFiles().filter(p -> p.startsWith(DEMO_ROUTES));
    }

    @ParameterizedTest
    @MethodSource("routeFiles")
    void isValidAgainstTheCamelYamlDslSchema(Path file) throws IOException {
        Set<ValidationMessage> errors = schema.validate(YAML.readTree(file.toFile()));
        assertThat(errors).as("%s against camelYamlDsl.json", file).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("connectorFiles")
    void aConnectorFileHasAGatherAndADeliverRouteNamedAfterItsFile(Path file) throws IOException {
        String connector = file.getFileName().toString().replace(".camel.yaml", "");
        JsonNode routes = YAML.readTree(file.toFile());

        assertThat(routes).extracting(r -> r.at("/route/id").asText())
                .containsExactly(connector + "-gather", connector + "-deliver");
        JsonNode gather = routes.get(0).get("route");
        assertThat(gather.at("/from/uri").asText()).isEqualTo("quartz:ferry/" + connector);
        assertThat(gather.at("/from/parameters/cron").asText()).isEqualTo("{{schedule:" + connector + "}}");
        JsonNode gatherStep = gather.at("/from/steps/0/to");
        assertThat(gatherStep.get("uri").asText()).isEqualTo("ferry:gather");
        assertThat(gatherStep.at("/parameters/connector").asText()).isEqualTo(connector);

        JsonNode deliver = routes.get(1).get("route");
        assertThat(deliver.get("routeConfigurationId").asText()).isEqualTo("ferry-delivery");
        assertThat(deliver.at("/from/uri").asText()).isEqualTo("ferry:queue");
        assertThat(deliver.at("/from/parameters/connector").asText()).isEqualTo(connector);
        JsonNode steps = deliver.at("/from/steps");
        assertThat(steps.get(steps.size() - 1).at("/to/uri").asText()).isEqualTo("ferry:delivered");
        assertThat(deliver.toString()).contains("#ferryTargetHeaders");
    }
}
