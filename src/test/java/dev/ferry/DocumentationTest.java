package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.queue.RecordHeaders;
import dev.ferry.support.FerryFixture;

/**
 * The documentation says what the code does: every option of {@link Settings} is in the configuration page with
 * the default the installation's configuration gives it, and no {@code ferry.*} key of that configuration is
 * undocumented; the ferry component's generated metadata describes every option and header, and the connector
 * reference lists them; every
 * endpoint of the operations API is in the operations page; every relative link of the README and the docs leads
 * to a file that exists.
 */
class DocumentationTest {

    private static final Path DOCS = Path.of("docs");

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void everyFerryOptionIsDocumentedWithTheDefaultTheInstallationGivesIt() throws Exception {
        String page = Files.readString(DOCS.resolve("configuration.md"));
        Properties defaults = load(Path.of("config/application.properties"));
        List<String> problems = new ArrayList<>();
        for (Field field : Settings.class.getFields()) {
            if (field.getType() != Settings.Option.class || !Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            Settings.Option option = (Settings.Option) field.get(null);
            Optional<String> row = row(page, option.key());
            if (row.isEmpty()) {
                problems.add(option.key() + ": no row in docs/configuration.md");
                continue;
            }
            String value = defaults.getProperty(option.key(), option.defaultValue()).strip();
            String cell = row.get().split("\\|")[2];
            if (value.isEmpty() ? !cell.contains("*(empty)*") : !cell.contains("`" + value + "`")) {
                problems.add(option.key() + ": documented default" + cell + "is not `" + value + "`");
            }
        }
        for (String key : defaults.stringPropertyNames()) {
            if (key.startsWith("ferry.") && row(page, key).isEmpty()) {
                problems.add(key + " (config/application.properties): no row in docs/configuration.md");
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * The component's metadata, as Camel JBang and Kaoto read it (generated from the annotations by
     * camel-component-maven-plugin): every option and header with its description, and each in the connector
     * reference.
     */
    @Test
    void theComponentMetadataDescribesEveryOptionAndHeaderAndTheReferenceListsThem() throws Exception {
        String page = Files.readString(DOCS.resolve("connectors.md"));
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/dev/ferry/component/ferry.json")) {
            assertThat(in).as("generated component metadata on the classpath").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        assertThat(metadata.at("/component/scheme").asText()).isEqualTo("ferry");
        assertThat(metadata.at("/component/syntax").asText()).isEqualTo("ferry:step");
        assertThat(metadata.at("/properties/step/enum").toString()).contains("gather", "queue", "delivered", "failed");
        List<String> options = new ArrayList<>();
        metadata.get("properties").fields().forEachRemaining(e -> {
            // Ferry's own options (Camel's common ones, such as lazyStartProducer, are Camel's to document)
            if (List.of("gather", "consumer", "common", "api", "api,security").contains(e.getValue().path("label").asText())) {
                options.add(e.getKey());
            }
            assertThat(e.getValue().path("description").asText()).as("description of %s", e.getKey()).isNotBlank();
        });
        assertThat(options).contains("connector", "dataSource", "cursorColumn", "keyColumn", "batchSize", "settleLag",
                "concurrentConsumers", "acknowledgeBatch");
        for (String option : options) {
            assertThat(page).as("ferry:gather or ferry:queue option %s", option).containsPattern("\\| `" + option + "`|`" + option
                    + "` or `|or `" + option + "` \\|");
        }
        List<String> headers = new ArrayList<>();
        metadata.get("headers").fieldNames().forEachRemaining(headers::add);
        assertThat(headers).contains(RecordHeaders.RECORD_KEY, RecordHeaders.IDEMPOTENCY_KEY, RecordHeaders.OPERATION);
        for (String header : headers) {
            if (header.startsWith("Ferry") && !header.equals(RecordHeaders.LEDGER_CHECK)) {
                assertThat(page).as("header %s", header).contains("`" + header + "`");
            }
        }
    }

    @Test
    void everyEndpointOfTheOperationsApiIsInTheOperationsPage() throws Exception {
        String page = Files.readString(DOCS.resolve("operations.md"));
        fixture.start();
        List<String> missing = new ArrayList<>();
        for (RestDefinition rest : ((ModelCamelContext) fixture.ferry().camel()).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                if (verb.getId() != null && verb.getId().startsWith("ferry-api-")) {
                    String endpoint = verb.asVerb().toUpperCase(Locale.ROOT) + " " + rest.getPath() + verb.getPath();
                    if (!page.contains("| `" + endpoint + "` |")) {
                        missing.add(endpoint);
                    }
                }
            }
        }
        assertThat(missing).as("endpoints without a row in docs/operations.md").isEmpty();
    }

    @Test
    void everyRelativeLinkLeadsToAFileThatExists() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (!target.contains("://") && !Files.exists(page.resolveSibling(target))) {
                    broken.add(page + " -> " + target);
                }
            }
        }
        assertThat(pages).hasSizeGreaterThanOrEqualTo(8);
        assertThat(broken).isEmpty();
        assertThat(Files.readString(Path.of("README.md")).length()).as("README: a landing page").isLessThan(10_000);
    }

    private static Optional<String> row(String page, String key) {
        return page.lines().filter(l -> l.startsWith("| `" + key + "` |")).findFirst();
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }
}
