package tinysns.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One server-side process of a test deployment (coordinator, node, synchronizer), its output appended to a log. */
final class RoleProcess {
    private final String name;
    private final String heap;
    private final List<String> arguments;
    private final Path runDir;
    private final Path log;
    private Process process;

    /** @param runDir the working directory (JRaft drops metrics files in it); {@code runDir/tmp} is java.io.tmpdir */
    RoleProcess(String name, String heap, List<String> arguments, Path runDir, Path logDir) {
        this.name = name;
        this.heap = heap;
        this.arguments = List.copyOf(arguments);
        this.runDir = runDir;
        this.log = logDir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** Starts (or starts again, after {@link #kill()}) with the same arguments; the log is appended to. */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        Files.writeString(log, "=== " + LocalTime.now() + " e2e: starting " + name + ": " + String.join(" ", arguments)
                + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(SnsJvm.command(heap, runDir.resolve("tmp"), arguments))
                .directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        process = SnsJvm.start(builder);
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Exit code of a process that has ended, for messages. */
    synchronized String exitDescription() {
        if (process == null) {
            return "never started";
        }
        return process.isAlive() ? "running (pid " + process.pid() + ")" : "exited with code " + process.exitValue();
    }

    /** SIGKILL, as a crash: nothing is shut down cleanly. Waits (bounded) until the process is gone. */
    synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
        }
    }

    /** SIGSTOP: the process stays alive but does nothing (no heartbeat, no Raft, no reply) until {@link #resume()}. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        long pid = pid();
        if (pid < 0 || !alive()) {
            throw new IllegalStateException(this.name + " is not running: cannot send SIG" + name);
        }
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid + " failed");
        }
    }

    /** SIGTERM without waiting; see {@link #awaitExitOrKill(long)}. */
    synchronized void terminate() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** Waits until {@code deadlineNanos} (System.nanoTime) for the process to end, then SIGKILLs it. */
    void awaitExitOrKill(long deadlineNanos) throws InterruptedException {
        Process current;
        synchronized (this) {
            current = process;
        }
        if (current == null) {
            return;
        }
        long leftNanos = deadlineNanos - System.nanoTime();
        if (leftNanos > 0 && current.waitFor(leftNanos, TimeUnit.NANOSECONDS)) {
            return;
        }
        current.destroyForcibly();
        current.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return name + " [" + exitDescription() + "]";
    }
}
