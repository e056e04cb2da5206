package tinysns.api.rmi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The kind of a remote method, and so how long its callers wait (DESIGN.md §10). Every method of every remote
 * interface carries one: {@link BoundedStubs} refuses to wrap an interface with an unbounded method, and every stub a
 * caller gets from {@link RmiEndpoints} is wrapped.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Bound {
    CallKind value();

    /**
     * For a {@link CallKind#LONG_POLL}: the index of the argument that says how many milliseconds the callee may wait
     * (a {@code long}); the bound is that wait, capped at {@link BoundedStubs#MAX_WAIT_MILLIS}, plus the kind's.
     */
    int waitArg() default -1;
}
