package dev.streamchat.gateway;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import dev.streamchat.testsupport.PackageStructure;

/** This service keeps the package structure of every service (feature packages, one-way dependencies). */
@AnalyzeClasses(packagesOf = GatewayServiceApplication.class, importOptions = ImportOption.DoNotIncludeTests.class)
class PackageStructureTests {

    @ArchTest
    static final ArchTests structure = ArchTests.in(PackageStructure.class);
}
