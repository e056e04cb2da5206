package tinysns.e2e;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every scenario under {@code src/test/resources/scenarios/} against real processes, one dynamic test each,
 * each on its own fresh deployment. {@code -Dsns.scenario=name} runs only the scenarios whose name contains it.
 */
class ScenarioIT {
    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException, URISyntaxException {
        String only = System.getProperty("sns.scenario", "");
        return scenarioFiles().stream()
                .filter(file -> file.getFileName().toString().contains(only))
                .map(file -> DynamicTest.dynamicTest(name(file), file.toUri(),
                        () -> ScenarioDriver.run(Scenario.parse(name(file),
                                Files.readAllLines(file, StandardCharsets.UTF_8)))));
    }

    /** The scenario files in name order (a directory on the test classpath, as Maven lays it out). */
    static List<Path> scenarioFiles() throws IOException, URISyntaxException {
        URL directory = ScenarioIT.class.getResource("/scenarios");
        if (directory == null) {
            throw new IllegalStateException("no scenarios directory on the test classpath");
        }
        try (Stream<Path> files = Files.list(Path.of(directory.toURI()))) {
            List<Path> scenarios = files.filter(file -> file.toString().endsWith(".txt")).sorted().toList();
            if (scenarios.isEmpty()) {
                throw new IllegalStateException("no scenario files in " + directory);
            }
            return scenarios;
        }
    }

    static String name(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".txt".length());
    }
}
