package tinysns.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import tinysns.api.rmi.RmiTransport;

/** {@code --tls DIR} is on every command of {@code sns} and on {@code tsc}; a bad DIR stops the command in one line. */
class TlsOptionTest {
    @Test
    void everyCommandTakesTls() {
        List<String> commands = new ArrayList<>();
        collect(SnsMain.commandLine(), commands);
        assertTrue(commands.containsAll(List.of("sns coordinator", "sns node", "sns sync", "sns registry",
                "sns client", "sns status", "sns bench sync", "sns chaos workload", "sns chaos check")), commands
                .toString());
        CommandLine tsc = TlsOption.install(new CommandLine(new ClientCommand()).setCommandName("tsc"));
        assertNotNull(tsc.getCommandSpec().findOption("--tls"));
    }

    private static void collect(CommandLine command, List<String> names) {
        if (!command.getCommandName().equals("help")) {
            assertNotNull(command.getCommandSpec().findOption("--tls"), command.getCommandSpec().qualifiedName());
            names.add(command.getCommandSpec().qualifiedName());
        }
        command.getSubcommands().values().forEach(sub -> collect(sub, names));
    }

    @Test
    void missingKeyStopsTheCommandWithOneLine() {
        CommandLine sns = SnsMain.commandLine();
        StringWriter err = new StringWriter();
        sns.setErr(new PrintWriter(err, true));
        int exit = sns.execute("status", "-k", "1", "--tls", "/nonexistent-sns-tls-dir");
        assertEquals(1, exit);
        assertEquals("sns status: no TLS keystore /nonexistent-sns-tls-dir/keystore.p12 (generate one with "
                + "scripts/sns-up.sh --tls)", err.toString().strip());
        assertFalse(RmiTransport.isTls());
    }
}
