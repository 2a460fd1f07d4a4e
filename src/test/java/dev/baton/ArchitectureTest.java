package dev.baton;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.baton.cli.Baton;
import dev.baton.queue.Spool;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of Baton. The SMTP wire package knows nothing of queues or delivery; the queue
 * knows nothing of SMTP; the command line is on top and nobody uses it; and no packages
 * depend on each other in a circle.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() throws URISyntaxException {
        // the main classes' own directory (or jar): scanning the whole class path is slow
        Path main = Path.of(Baton.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(main);
        assertThat(classes.contain(Spool.class)).as("main classes imported from " + main).isTrue();
    }

    @Test
    void smtpWirePackageDependsOnNoQueueDeliveryNodeOrCli() {
        noClasses().that().resideInAPackage("dev.baton.smtp")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "dev.baton.queue..", "dev.baton.delivery..", "dev.baton.node..", "dev.baton.cli..")
                .check(classes);
    }

    @Test
    void queueDependsOnNoSmtpDeliveryNodeOrCli() {
        noClasses().that().resideInAPackage("dev.baton.queue..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "dev.baton.smtp..", "dev.baton.delivery..", "dev.baton.node..", "dev.baton.cli..")
                .check(classes);
    }

    @Test
    void deliveryDoesNotDependOnTheSmtpServer() {
        noClasses().that().resideInAPackage("dev.baton.delivery..")
                .should().dependOnClassesThat().resideInAPackage("dev.baton.smtp.server..")
                .check(classes);
    }

    @Test
    void cliIsDependedOnByNobody() {
        noClasses().that().resideOutsideOfPackage("dev.baton.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.baton.cli..")
                .check(classes);
    }

    /**
     * One slice per package: smtp (wire), smtp.server and smtp.client are separate layers.
     * (Taken as one "smtp" slice there is a cycle config -> smtp -> config, because
     * VirtualServerSettings uses smtp.LineEndingPolicy while smtp.server reads the settings.)
     */
    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.baton.(**)").should().beFreeOfCycles().check(classes);
    }
}
