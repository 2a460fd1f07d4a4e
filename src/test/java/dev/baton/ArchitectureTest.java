package dev.baton;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.baton.cli.Baton;
import dev.baton.queue.Spool;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of Baton as a layer map (docs/architecture.md draws it): shared vocabulary at the
 * bottom, the wire below both sides of SMTP, the queue between receiving and delivering, the
 * node wiring it all, the command line on top and used by nobody. The packages that come with
 * the organization work (org, auth, properties, diagnostics) have their fences already, so what
 * they may lean on is decided before the first line of them is written. The event log (events)
 * leans on the vocabulary and the configuration only; the parts that report to it (sessions,
 * delivery, the queue) know their own small interfaces, which the node adapts.
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
    void layersDependOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true)
                .layer("Vocabulary").definedBy("dev.baton.mail..")
                .layer("Net").definedBy("dev.baton.net..")
                .layer("Config").definedBy("dev.baton.config..")
                .layer("Tls").definedBy("dev.baton.tls..")
                .layer("Wire").definedBy("dev.baton.smtp")
                .layer("SmtpServer").definedBy("dev.baton.smtp.server..")
                .layer("SmtpClient").definedBy("dev.baton.smtp.client..")
                .layer("Properties").definedBy("dev.baton.properties..")
                .layer("Org").definedBy("dev.baton.org..")
                .layer("Auth").definedBy("dev.baton.auth..")
                .layer("Queue").definedBy("dev.baton.queue..")
                .layer("Routing").definedBy("dev.baton.routing..")
                .layer("Dsn").definedBy("dev.baton.dsn..")
                .layer("Delivery").definedBy("dev.baton.delivery..")
                .layer("Events").definedBy("dev.baton.events..")
                .layer("Diagnostics").definedBy("dev.baton.diagnostics..")
                .layer("Admin").definedBy("dev.baton.admin..")
                .layer("Node").definedBy("dev.baton.node..")
                .layer("Cli").definedBy("dev.baton.cli..")

                .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("Node").mayOnlyBeAccessedByLayers("Cli")
                .whereLayer("Admin").mayOnlyBeAccessedByLayers("Node", "Cli")
                .whereLayer("Diagnostics").mayOnlyBeAccessedByLayers("Node", "Admin", "Cli")
                .whereLayer("Events").mayOnlyBeAccessedByLayers("Node", "Admin", "Diagnostics", "Cli")
                .whereLayer("Delivery").mayOnlyBeAccessedByLayers("Node")
                .whereLayer("SmtpServer").mayOnlyBeAccessedByLayers("Node")
                .whereLayer("Dsn").mayOnlyBeAccessedByLayers("Node", "Diagnostics")
                .whereLayer("Routing").mayOnlyBeAccessedByLayers("Delivery", "Node", "Diagnostics")
                .whereLayer("SmtpClient").mayOnlyBeAccessedByLayers("Delivery", "Diagnostics", "Cli")
                .whereLayer("Queue").mayOnlyBeAccessedByLayers("SmtpServer", "Routing", "Dsn", "Delivery", "Diagnostics",
                        "Admin", "Node", "Cli")
                .whereLayer("Wire").mayOnlyBeAccessedByLayers("SmtpServer", "SmtpClient", "Auth", "Delivery", "Diagnostics",
                        "Node", "Cli")
                .whereLayer("Tls").mayOnlyBeAccessedByLayers("SmtpServer", "SmtpClient", "Auth", "Delivery", "Diagnostics",
                        "Node", "Cli")
                .whereLayer("Config").mayOnlyBeAccessedByLayers("SmtpServer", "Org", "Auth", "Routing", "Delivery",
                        "Events", "Diagnostics", "Admin", "Node", "Cli")

                // fences for what comes next: what each may lean on
                .whereLayer("Properties").mayOnlyAccessLayers("Vocabulary")
                .whereLayer("Org").mayOnlyAccessLayers("Vocabulary", "Config")
                .whereLayer("Events").mayOnlyAccessLayers("Vocabulary", "Config")
                .whereLayer("Auth").mayOnlyAccessLayers("Vocabulary", "Net", "Config", "Tls", "Wire", "Org")
                .whereLayer("Queue").mayOnlyAccessLayers("Vocabulary", "Properties")
                .whereLayer("Wire").mayOnlyAccessLayers("Vocabulary")
                .whereLayer("SmtpClient").mayOnlyAccessLayers("Vocabulary", "Wire", "Tls", "Auth", "Properties")
                .whereLayer("Vocabulary").mayNotAccessAnyLayer()
                .whereLayer("Net").mayNotAccessAnyLayer()
                .check(classes);
    }

    /** Durability is decided in one place: only the spool forces its files to disk (and a Maildir its own deliveries). */
    @Test
    void onlyTheSpoolMakesAMessageDurable() {
        noClasses().that().resideOutsideOfPackage("dev.baton.queue..")
                .and().doNotHaveFullyQualifiedName("dev.baton.delivery.Maildir")
                .and().doNotHaveFullyQualifiedName("dev.baton.org.FileDirectoryStore") // org.yml replaced only when on disk
                .should().callMethod(FileChannel.class, "force", boolean.class)
                .because("a 250 means durable, and that is Spool.Receipt.commit's decision alone (ADR 0002)")
                .check(classes);
        noClasses().that().resideInAPackage("dev.baton.queue..")
                .and().doNotHaveFullyQualifiedName(Spool.class.getName())
                .and().doNotHaveFullyQualifiedName(Spool.Receipt.class.getName())
                .and().doNotHaveFullyQualifiedName("dev.baton.queue.DirectorySync")
                .should().callMethod(FileChannel.class, "force", boolean.class)
                .check(classes);
    }

    /** Only the end of a received message and a queued DSN acknowledge a message into the queue. */
    @Test
    void onlyTheReceivingSessionAndTheDsnNotifierCommitMessages() {
        noClasses().that().resideOutsideOfPackages("dev.baton.queue..", "dev.baton.smtp.server..", "dev.baton.node..")
                .should().callMethod(Spool.Receipt.class, "commit")
                .check(classes);
    }

    /** One slice per package (smtp wire, smtp.server and smtp.client separately): no cycles between them. */
    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.baton.(**)").should().beFreeOfCycles().check(classes);
    }
}
