package tinysns.cli;

import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import tinysns.api.rmi.RmiEndpoints;

/**
 * {@code sns registry}: a standalone RMI registry for multi-host layouts (DESIGN.md §8), listening on one address
 * only (a JDK {@code rmiregistry} listens on all of them) and with the API's classes on its classpath.
 */
@Command(name = "registry",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Runs a standalone RMI registry bound to one address.",
                "Runs an RMI registry listening on --host:--port only, with the API's serialization allow-list "
                + "(only Tiny SNS stubs can be bound), until it is stopped (SIGTERM/Ctrl-C). Only processes on the "
                + "same host may bind names into it; lookups work from anywhere.",
                "The coordinator, servers and synchronizers start their own registries by default; use this one "
                        + "when several processes of a host should share one."},
        footer = {"", "Example:", "  sns registry --host 10.0.0.5 --port 9000"})
public final class RegistryCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RegistryCommand.class);

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "9000",
            description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", host);
        }
        Registry registry;
        try {
            registry = RmiEndpoints.createRegistry(host, port);
        } catch (RemoteException e) {
            log.error("cannot start a registry on {}:{}: {}", host, port, e.toString());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RmiEndpoints.unexport(registry);
            stopped.countDown();
        }, "registry-shutdown"));
        log.info("RMI registry listening on {}:{}", host, port);
        // RMI's listener thread is not a daemon, but waiting here keeps the lifetime explicit and the exit code ours.
        stopped.await();
        log.info("RMI registry on {}:{} stopped", host, port);
        return 0;
    }
}
