package tinysns.coordinator;

import java.io.IOException;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.CoordinatorService;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.coordinator.core.Coordinator;
import tinysns.coordinator.failover.ConfigStore;
import tinysns.coordinator.failover.FileConfigStore;
import tinysns.coordinator.failover.ConfigRecord;
import tinysns.coordinator.failover.MemoryConfigStore;
import tinysns.coordinator.failover.ReplicatedConfigStore;
import tinysns.raft.ReplicatedMap;

/**
 * The coordinator process minus its command line: exports the {@link CoordinatorService} (with the API's JEP 290
 * filter), binds it as {@value CoordinatorService#REGISTRY_NAME}, and ticks the core on one scheduler thread.
 *
 * <pre>{@code
 * CoordinatorServer server = new CoordinatorServer(CoordinatorOptions.defaults());
 * server.start();
 * Runtime.getRuntime().addShutdownHook(new Thread(server::close));
 * server.awaitClosed();
 * }</pre>
 */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorServer.class);

    /**
     * Time for the failure detector: monotonic, so a wall-clock step (NTP) can neither kill every process at once
     * nor keep a dead one alive. Only differences of it are ever used.
     */
    private static final LongSupplier MONOTONIC_MILLIS = () -> System.nanoTime() / 1_000_000;

    private final CoordinatorOptions options;
    /** The deployment's shared secret; kept out of {@link CoordinatorOptions} so no toString() can print it. */
    private final String secret;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean started;
    private Registry registry;
    private boolean ownsRegistry;
    private RemoteCoordinator service;
    private Remote stub;
    /** Set once the name is bound, so that close() after a failed start leaves the registry alone. */
    private boolean bound;
    private boolean serving;
    private ScheduledExecutorService scheduler;
    /** Held from the start of {@link #start()} to the end of {@link #close()}; null without a data dir. */
    private DataDirLock dataDirLock;
    /** The replicated records of a coordinator group; null for a single coordinator. */
    private ReplicatedMap replicated;
    private Remote leaderStub;
    /**
     * The coordinator group's Raft election timeout. Short, since a failover waits for a coordinator leader first;
     * the group is three small JVMs exchanging a heartbeat every 100 ms, far from saturated.
     */
    static final int GROUP_ELECTION_TIMEOUT_MILLIS = 600;
    /** How long a leader waits for a quorum to confirm it still leads before it sends orders. */
    static final long CONFIRM_LEADERSHIP_MILLIS = 1000;

    /** A coordinator that accepts heartbeats from anyone (in-process tests); deployments pass a secret. */
    public CoordinatorServer(CoordinatorOptions options) {
        this(options, null);
    }

    /**
     * @param secret the deployment's shared secret that every heartbeat must present, or null to accept any caller
     */
    public CoordinatorServer(CoordinatorOptions options, String secret) {
        this.options = java.util.Objects.requireNonNull(options, "options");
        if (secret != null && secret.isBlank()) {
            throw new IllegalArgumentException("the deployment secret is blank");
        }
        this.secret = secret;
    }

    public CoordinatorOptions options() {
        return options;
    }

    /**
     * Starts serving. Throws if the data dir is in use by another coordinator (a one-line message, and nothing else
     * was touched), a port is taken, the registry to bind into is not running, or the data dir cannot be read;
     * whatever was started by then is stopped again.
     *
     * @throws IllegalStateException if called twice
     */
    public synchronized void start() throws IOException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            if (options.dataDir() != null) {
                // First of all: a second coordinator on this directory must neither read its records nor rebind the
                // name over the live one (DataDirLock says why).
                dataDirLock = DataDirLock.acquire(options.dataDir());
            }
            useHostInStubs(options.host());
            CoordinatorGroup group = options.group();
            if (group == null) {
                Coordinator core = new Coordinator(options.clusters(), options.deadAfterMillis(),
                        options.suspectAfterMillis(), store());
                service = new RemoteCoordinator(core, options.clusters(), MONOTONIC_MILLIS, secret, null,
                        List.of(options.host() + ":" + options.registryPort()), () -> true);
            } else {
                replicated = new ReplicatedMap(new ReplicatedMap.Options("coordinator", group.me().raftAddress(),
                        group.raftAddresses(), options.dataDir().resolve("group"), GROUP_ELECTION_TIMEOUT_MILLIS,
                        tinysns.api.rmi.RmiTransport.tlsDir()));
                ConfigStore store = new ReplicatedConfigStore(replicated);
                service = new RemoteCoordinator(null, options.clusters(), MONOTONIC_MILLIS, secret,
                        new LeaderLink(group, replicated::leaderAddress), group.registryAddresses(), this::stillLeads);
                replicated.addLeadershipListener((leading, term) -> onLeadership(leading, term, store));
            }
            if (options.createRegistry()) {
                registry = RmiEndpoints.createRegistry(options.host(), options.registryPort());
                ownsRegistry = true;
            } else {
                registry = RmiEndpoints.registry(options.host(), options.registryPort());
            }
            stub = RmiEndpoints.export(service, options.host(), options.exportPort());
            // rebind, not bind: a coordinator that crashed left its stale stub bound in a standalone registry.
            rebindAtStart(CoordinatorService.REGISTRY_NAME, stub);
            bound = true;
            if (replicated != null) {
                leaderStub = RmiEndpoints.export(service.leaderOnly(), options.host(), options.exportPort());
                rebindAtStart(CoordinatorService.LEADER_REGISTRY_NAME, leaderStub);
                replicated.start();
            }
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "coordinator-tick");
                t.setDaemon(true);
                return t;
            });
            long tickMillis = options.tickMillis();
            scheduler.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
            if (!ownsRegistry) {
                // A standalone registry that died and was started again has lost our names: bind them again.
                scheduler.scheduleWithFixedDelay(this::keepBound, REBIND_CHECK_MILLIS, REBIND_CHECK_MILLIS,
                        TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        serving = true;
        LOG.info("Coordinator serving {} on {}:{} ({} registry, object port {}): {} clusters, heartbeat {} ms,"
                        + " dead after {} ms (suspected after {} ms){}", CoordinatorService.REGISTRY_NAME, options.host(), options.registryPort(),
                ownsRegistry ? "own" : "existing", options.exportPort() == 0 ? "any" : options.exportPort(),
                options.clusters(), options.heartbeatMillis(), options.deadAfterMillis(),
                options.suspectAfterMillis(),
                secret == null ? "; no deployment secret: heartbeats from anyone are accepted" : "");
    }

    /** Blocks until {@link #close()} has run (for a {@code main} that has nothing else to do). */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Unbinds, unexports, stops the tick and, last, releases the data dir. Safe to call more than once, and after a
     * failed start.
     */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("Coordinator tick did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (bound) {
            unbindOurs(CoordinatorService.REGISTRY_NAME, stub);
            if (leaderStub != null) {
                unbindOurs(CoordinatorService.LEADER_REGISTRY_NAME, leaderStub);
            }
        }
        if (replicated != null) {
            replicated.close();
        }
        if (service != null) {
            RmiEndpoints.unexport(service);
        }
        if (ownsRegistry) {
            RmiEndpoints.unexport(registry);
        }
        if (dataDirLock != null) {
            dataDirLock.close();
        }
        closed.countDown();
        if (serving) {
            LOG.info("Coordinator stopped");
        }
    }

    /**
     * How long a starting coordinator waits for a standalone registry that does not listen or answer yet. sns-up.sh
     * starts each coordinator once its registry listens, but a just-started registry JVM may answer its first call
     * late on a loaded machine: at load 22 (and again at 38, in ChaosIT) a first rebind timed out after its 2 s bound
     * and the coordinator exited, leaving the deployment without a majority of coordinator replicas.
     */
    static final long REGISTRY_WAIT_MILLIS = 30_000;
    private static final long REGISTRY_RETRY_MILLIS = 100;

    /**
     * {@code registry.rebind} for {@link #start()}: an in-process registry is there already; a standalone one that
     * refuses the connection or times out is tried again every {@value #REGISTRY_RETRY_MILLIS} ms for up to
     * {@value #REGISTRY_WAIT_MILLIS} ms. A refusal from a registry that answers (a bind from another host) fails at once.
     */
    private void rebindAtStart(String name, Remote ours) throws RemoteException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REGISTRY_WAIT_MILLIS);
        boolean logged = false;
        while (true) {
            try {
                registry.rebind(name, ours);
                if (logged) {
                    LOG.info("The registry at {}:{} answers; {} is bound", options.host(), options.registryPort(), name);
                }
                return;
            } catch (java.rmi.ConnectException | java.rmi.ConnectIOException | java.rmi.UnmarshalException e) {
                if (ownsRegistry || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                if (!logged) {
                    logged = true;
                    LOG.info("Waiting up to {} s for the registry at {}:{} ({})", REGISTRY_WAIT_MILLIS / 1000,
                            options.host(), options.registryPort(), e.getClass().getSimpleName());
                }
                try {
                    Thread.sleep(REGISTRY_RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** How often a coordinator checks that a standalone registry still names it. */
    static final long REBIND_CHECK_MILLIS = 2000;
    private boolean registryLost;

    /** Binds our names again into a registry that lost them (restarted); one log line per loss and recovery. */
    private void keepBound() {
        try {
            rebindIfMissing(CoordinatorService.REGISTRY_NAME, stub);
            if (leaderStub != null) {
                rebindIfMissing(CoordinatorService.LEADER_REGISTRY_NAME, leaderStub);
            }
            if (registryLost) {
                registryLost = false;
                LOG.info("The registry at {}:{} is back; {} is bound again", options.host(), options.registryPort(),
                        CoordinatorService.REGISTRY_NAME);
            }
        } catch (RemoteException e) {
            if (!registryLost) {
                registryLost = true;
                LOG.warn("The registry at {}:{} does not answer ({}); binding again when it is back",
                        options.host(), options.registryPort(), e.getClass().getSimpleName());
            }
            // A leader nobody can find (followers reach it through this registry) must not stay leader: measured in
            // RegistryLossIT, a replica whose registry was dead became leader and no call could reach it for 13 s.
            if (replicated != null && service.leading()) {
                replicated.handOffLeadership();
            }
        } catch (RuntimeException e) {
            LOG.error("Registry check failed", e);
        }
    }

    /** Binds {@code name} if the registry lost it; a name another process bound is left alone (no rebind fight). */
    private void rebindIfMissing(String name, Remote ours) throws RemoteException {
        try {
            registry.lookup(name);
        } catch (NotBoundException e) {
            registry.rebind(name, ours);
        }
    }

    private void tick() {
        try {
            service.tick();
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels all its later runs: log it and keep ticking.
            LOG.error("Coordinator tick failed", e);
        }
    }

    /** Unbinds {@code name} only if it still names this coordinator: a newer one may have rebound it since. */
    private void unbindOurs(String name, Remote ours) {
        try {
            if (ours.equals(tinysns.api.rmi.BoundedStubs.unwrap(registry.lookup(name)))) {
                registry.unbind(name);
            }
        } catch (NotBoundException e) {
            LOG.debug("{} was already unbound", name);
        } catch (RemoteException e) {
            LOG.warn("Could not unbind {} from the registry at {}:{}: {}", name, options.host(),
                    options.registryPort(), e.toString());
        }
    }

    /**
     * On the group's apply thread: a new leader gets a fresh core over the replicated records (its soft state empty,
     * as after a restart, so it decides about a server only once it has had the time to hear it); a deposed one
     * drops its core. A group started on a data dir that a single coordinator used takes over its records once.
     */
    private void onLeadership(boolean leading, long term, ConfigStore store) {
        if (!leading) {
            service.follow();
            LOG.info("This coordinator replica no longer leads (term {}); calls are forwarded to the leader", term);
            return;
        }
        try {
            Map<Integer, ConfigRecord> records = store.loadAll();
            if (records.isEmpty()) {
                Map<Integer, ConfigRecord> local = new FileConfigStore(options.dataDir()).loadAll();
                for (ConfigRecord r : local.values()) {
                    store.save(r);
                    LOG.warn("Took over the single coordinator's failover record {} into the group", r);
                }
            }
            service.lead(new Coordinator(options.clusters(), options.deadAfterMillis(), options.suspectAfterMillis(),
                    store));
            LOG.info("This coordinator replica leads (term {}) with the records {}", term, store.loadAll().values());
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot take over as coordinator leader (term {}); staying without a core", term, e);
        }
    }

    private boolean stillLeads() {
        try {
            return replicated.confirmLeadership().get(CONFIRM_LEADERSHIP_MILLIS,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ConfigStore store() throws IOException {
        if (options.dataDir() == null) {
            LOG.warn("No data dir: failover records are kept in memory, and a restarted coordinator forgets them"
                    + " (DESIGN.md §2 needs them durable)");
            return new MemoryConfigStore();
        }
        return new FileConfigStore(options.dataDir());
    }

    /**
     * A stub carries the host its object is reachable at, taken from {@code java.rmi.server.hostname} or else from
     * this machine's name lookup, which may name an address the object does not listen on (it listens on
     * {@code host} only). Set it when the launcher has not.
     */
    private static void useHostInStubs(String host) {
        String set = System.getProperty("java.rmi.server.hostname");
        if (set == null) {
            System.setProperty("java.rmi.server.hostname", host);
        } else if (!set.equals(host)) {
            LOG.warn("java.rmi.server.hostname is {} but the coordinator listens on {}: clients may not reach it",
                    set, host);
        }
    }
}
