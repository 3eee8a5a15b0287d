package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ferry.support.Api;
import dev.ferry.support.FerryFixture;
import dev.ferry.support.RunningFerry;

/** The OpenAPI document Ferry serves validates and lists every endpoint of the API (acceptance 9). */
class OpenApiDocumentTest {

    @RegisterExtension
    final FerryFixture fixture = new FerryFixture();

    @Test
    void theServedDocumentValidatesAndListsEveryEndpoint() {
        RunningFerry ferry = fixture.start();
        Api.Answer answer = Api.at(Integer.parseInt(fixture.properties().get("camel.server.port"))).get("/api/openapi.json");
        assertThat(answer.status()).isEqualTo(200);

        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(answer.text(), null, options);

        assertThat(parsed.getMessages()).isEmpty();
        OpenAPI doc = parsed.getOpenAPI();
        assertThat(doc.getOpenapi()).startsWith("3.0");
        assertThat(doc.getInfo().getTitle()).isEqualTo("Ferry operations API");
        // the API's version is Ferry's: what an operator compares with /observe/info and the log's first line
        assertThat(doc.getInfo().getVersion()).isEqualTo(FerryInfo.version()).doesNotContain("unknown");
        List<String> documented = new ArrayList<>();
        doc.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) ->
                documented.add(method.name() + " " + path)));
        List<String> declared = new ArrayList<>();
        for (RestDefinition rest : ((ModelCamelContext) ferry.camel()).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                if (verb.getId() != null && verb.getId().startsWith("ferry-api-")) {
                    declared.add(verb.asVerb().toUpperCase(Locale.ROOT) + " " + rest.getPath() + verb.getPath());
                }
            }
        }
        assertThat(declared).hasSize(25);
        assertThat(documented).containsExactlyInAnyOrderElementsOf(declared);
        // Every operation says which role it needs and documents its path parameters.
        doc.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            assertThat(operation.getSummary()).as(method + " " + path).containsPattern("\\(role: (reader|operator)\\)");
            assertThat(pathParameters(operation)).as(method + " " + path).containsExactlyElementsOf(placeholders(path));
        }));
        assertThat(doc.getPaths()).doesNotContainKey("/demo/erp");
    }

    private static List<String> pathParameters(Operation operation) {
        List<String> names = new ArrayList<>();
        if (operation.getParameters() != null) {
            operation.getParameters().stream().filter(p -> "path".equals(p.getIn())).forEach(p -> names.add(p.getName()));
        }
        return names;
    }

    private static List<String> placeholders(String path) {
        List<String> names = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(path);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

}
