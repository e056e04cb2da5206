package tinysns.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/** The version Maven wrote into {@code tinysns/cli/version.properties} at build time. */
public final class VersionProvider implements IVersionProvider {
    private static final String RESOURCE = "/tinysns/cli/version.properties";

    @Override
    public String[] getVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new String[] {"Tiny SNS (version unknown: " + RESOURCE + " missing)"};
            }
            properties.load(in);
        }
        return new String[] {"Tiny SNS " + properties.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
