package dev.streamchat.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package structure every service keeps (STYLE.md): packages by feature under {@code dev.streamchat.<service>},
 * dependencies between them one way only, and nothing in the root package but the application class. A service holds
 * it with a test of its own:
 *
 * <pre>{@code
 * @AnalyzeClasses(packagesOf = MyServiceApplication.class, importOptions = ImportOption.DoNotIncludeTests.class)
 * class PackageStructureTests {
 *     @ArchTest
 *     static final ArchTests structure = ArchTests.in(PackageStructure.class);
 * }
 * }</pre>
 */
public final class PackageStructure {

    /** A feature package and everything under it is one slice; no two slices may depend on each other both ways. */
    @ArchTest
    public static final ArchRule featurePackagesDependOneWay = slices().matching("dev.streamchat.*.(*)..")
            .namingSlices("feature '$1'")
            .should()
            .beFreeOfCycles();

    /** Every class but the application's lives in a feature package. */
    @ArchTest
    public static final ArchRule onlyTheApplicationInTheRootPackage = classes()
            .that()
            .resideInAPackage("dev.streamchat.*")
            .should()
            .haveSimpleNameEndingWith("Application")
            .orShould()
            .haveSimpleName("package-info")
            .because("code is packaged by feature");

    private PackageStructure() {}
}
