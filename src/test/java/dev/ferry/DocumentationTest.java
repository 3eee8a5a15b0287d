package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.connector.GatherEndpoint;
import dev.ferry.queue.RecordHeaders;
import dev.ferry.support.FerryFixture;

/**
 * The documentation says what the code does: every option of {@link Settings} is in the configuration page with
 * the default the installation's configuration gives it, and no {@code ferry.*} key of that configuration is
 * undocumented; every {@code ferry:gather} option and every record header is in the connector reference; every
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

    @Test
    void everyGatherOptionAndRecordHeaderIsInTheConnectorReference() throws Exception {
        String page = Files.readString(DOCS.resolve("connectors.md"));
        TreeSet<String> options = new TreeSet<>();
        for (Method m : GatherEndpoint.class.getMethods()) {
            if (m.getName().startsWith("set") && m.getDeclaringClass() == GatherEndpoint.class) {
                String name = m.getName().substring(3);
                options.add(name.substring(0, 1).toLowerCase(Locale.ROOT) + name.substring(1));
            }
        }
        assertThat(options).contains("connector", "cursorColumn", "batchSize");
        for (String option : options) {
            assertThat(page).as("ferry:gather option %s", option).containsPattern("\\| `" + option + "`|`" + option
                    + "` or `|or `" + option + "` \\|");
        }
        for (Field field : RecordHeaders.class.getFields()) {
            String header = (String) field.get(null);
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
