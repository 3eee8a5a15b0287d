package dev.ferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FerryApplicationTest {

    @Test
    void theConfigurationFileAndProfileComeFromArgumentsBeforeTheEnvironment() {
        FerryApplication.Launch launch = FerryApplication.Launch.parse(
                new String[] {"--config", "/etc/ferry/ferry.properties", "--profile=prod", "-d", "60"},
                Map.of("FERRY_CONFIG", "/elsewhere.properties", "FERRY_PROFILE", "dev"));

        assertThat(launch.config()).isEqualTo(Path.of("/etc/ferry/ferry.properties"));
        assertThat(launch.profile()).isEqualTo("prod");
        assertThat(launch.camelArgs()).containsExactly("-d", "60");
    }

    @Test
    void severalProfilesAddTheirOverlaysInOrderTheLaterWinning() {
        Path tree = Path.of("config/application.properties");
        assertThat(FerryApplication.propertyLocations(tree, tree, "prod, dev"))
                .isEqualTo("file:config/application-dev.properties;optional=true,"
                        + "file:config/application-prod.properties;optional=true,file:config/application.properties");
        assertThat(FerryApplication.propertyLocations(tree, tree, " "))
                .isEqualTo("file:config/application.properties");
    }

    @Test
    void anInstanceAndItsOverlaysWinOverTheInstallationsDefaultsAndTheirs() {
        assertThat(FerryApplication.propertyLocations(Path.of("/srv/ferry/config/application.properties"),
                Path.of("/opt/ferry/config/application.properties"), "prod"))
                .isEqualTo("file:/srv/ferry/config/application-prod.properties;optional=true,"
                        + "file:/srv/ferry/config/application.properties,"
                        + "file:/opt/ferry/config/application-prod.properties;optional=true,"
                        + "file:/opt/ferry/config/application.properties;optional=true");
    }

    @Test
    void withoutAnInstanceThereIsNothingToRunAndTheMessageSaysHowToMakeOne() {
        assertThatThrownBy(() -> Installation.of(new java.util.Properties(), Map.of()))
                .hasMessageContaining("FERRY_INSTANCE is not set").hasMessageContaining("ferry create <directory>");
        java.util.Properties system = new java.util.Properties();
        system.setProperty(Installation.INSTANCE, "/srv/ferry");
        assertThat(Installation.of(system, Map.of("FERRY_HOME", "/opt/ferry")).config())
                .isEqualTo(Path.of("/srv/ferry/config/application.properties"));
    }

    @Test
    void aSecretsFileComesFromTheArgumentOrTheEnvironment() {
        assertThat(FerryApplication.Launch.parse(new String[] {"--secrets", "/run/secrets/ferry"}, Map.of(
                "FERRY_SECRETS_FILE", "/elsewhere")).secrets()).isEqualTo(Path.of("/run/secrets/ferry"));
        assertThat(FerryApplication.Launch.parse(new String[0], Map.of("FERRY_SECRETS_FILE", "/run/secrets/ferry"))
                .secrets()).isEqualTo(Path.of("/run/secrets/ferry"));
        assertThat(FerryApplication.Launch.parse(new String[0], Map.of()).secrets()).isNull();
    }

    @Test
    void theEnvironmentIsUsedWhenNoArgumentIsGiven() {
        FerryApplication.Launch launch = FerryApplication.Launch.parse(new String[0],
                Map.of("FERRY_CONFIG", "/srv/ferry.properties"));

        assertThat(launch.config()).isEqualTo(Path.of("/srv/ferry.properties"));
        assertThat(launch.profile()).isNull();
        Installation instance = new Installation(Path.of("/opt/ferry"), Path.of("/srv/ferry"));
        assertThat(FerryApplication.Launch.parse(new String[0], Map.of()).config(instance))
                .isEqualTo(Path.of("/srv/ferry/config/application.properties"));
    }

    @Test
    void aMissingFileOrValueIsReportedClearly() {
        assertThatThrownBy(() -> FerryApplication.Launch.parse(new String[] {"--config"}, Map.of()))
                .hasMessage("--config needs a value");
        assertThatThrownBy(() -> FerryApplication.newMain(new Installation(Path.of(""), Path.of("")),
                Path.of("no/such/application.properties"), null, null))
                .hasMessageContaining("Ferry configuration file not found").hasMessageContaining("FERRY_CONFIG");
    }
}
