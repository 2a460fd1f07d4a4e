package dev.baton.org;

import java.util.Locale;

/**
 * The object an access control entry is set on: the organization, one server, or one virtual
 * server of a server. An entry applies to its object and everything below it: one on the
 * organization to every server and virtual server, one on a server to its virtual servers.
 * Written {@code organization}, {@code server:a}, {@code server:a/default}.
 */
public record Scope(String server, String virtualServer) {

    public static final Scope ORGANIZATION = new Scope(null, null);

    public Scope {
        if (server == null && virtualServer != null) {
            throw new IllegalArgumentException("a virtual server belongs to a server");
        }
        server = server == null ? null : server.toLowerCase(Locale.ROOT);
        virtualServer = virtualServer == null ? null : virtualServer.toLowerCase(Locale.ROOT);
    }

    public static Scope server(String name) {
        return new Scope(name, null);
    }

    public static Scope virtualServer(String server, String name) {
        return new Scope(server, name);
    }

    /** Whether an entry set on this scope applies to {@code target}. */
    public boolean covers(Scope target) {
        if (server == null) {
            return true;
        }
        if (!server.equals(target.server)) {
            return false;
        }
        return virtualServer == null || virtualServer.equals(target.virtualServer);
    }

    /** @throws IllegalArgumentException with a message that shows the expected form */
    public static Scope parse(String s) {
        if (s.equalsIgnoreCase("organization")) {
            return ORGANIZATION;
        }
        if (!s.regionMatches(true, 0, "server:", 0, 7) || s.length() == 7) {
            throw new IllegalArgumentException("\"" + s + "\" is not an object (write organization, server:NAME or server:NAME/VIRTUAL-SERVER)");
        }
        String rest = s.substring(7);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return server(rest);
        }
        if (slash == 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("\"" + s + "\" is not an object (write server:NAME/VIRTUAL-SERVER)");
        }
        return virtualServer(rest.substring(0, slash), rest.substring(slash + 1));
    }

    @Override
    public String toString() {
        return server == null ? "organization" : "server:" + server + (virtualServer == null ? "" : "/" + virtualServer);
    }
}
