package dev.baton.cli;

import java.lang.reflect.Proxy;

/**
 * SIGHUP for {@code baton serve}. The JVM's default for a hangup is to exit, so an
 * administrator's habitual {@code kill -HUP} (or {@code systemctl reload}) would stop the
 * server silently. {@code sun.misc.Signal} (jdk.unsupported, present in every JDK Baton runs on)
 * is reached by reflection so the build stays free of its internal-API warning; where it is
 * missing the default stays and {@link #install} says so.
 */
final class Hangup {

    private Hangup() {
    }

    /** Runs {@code action} on each SIGHUP instead of exiting; false when the JVM does not allow it. */
    static boolean install(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "handle" -> {
                        Thread.ofVirtual().name("hangup").start(action);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "baton hangup handler";
                });
            signal.getMethod("handle", signal, handler).invoke(null, hup, h);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
