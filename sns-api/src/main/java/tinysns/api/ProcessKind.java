package tinysns.api;

/** The two kinds of process a cluster is made of. */
public enum ProcessKind {
    SERVER, SYNC
}
