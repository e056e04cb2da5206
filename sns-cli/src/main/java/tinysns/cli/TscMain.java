package tinysns.cli;

import picocli.CommandLine;

/** Entry point for the course name: {@code tsc -h HOST -k PORT -u USERID} is {@code sns client} with the same flags. */
public final class TscMain {
    private TscMain() {
    }

    public static void main(String[] args) {
        SnsMain.installProcessFilter();
        System.exit(TlsOption.install(new CommandLine(new ClientCommand()).setCommandName("tsc")).execute(args));
    }
}
