package tinysns.api;

/** What the coordinator says a process is. */
public enum Role {
    MASTER, SLAVE
}
