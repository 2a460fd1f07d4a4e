package dev.baton.org;

import java.util.Locale;

/**
 * A reference to something in the directory that can be a trustee or a group member: a server,
 * a user, a group, or the anonymous principal (a client that did not authenticate). Written
 * {@code server:a}, {@code user:alice}, {@code group:relay-partners}, {@code anonymous}. Names
 * compare without regard to case.
 */
public record Member(Kind kind, String name) {

    public enum Kind { SERVER, USER, GROUP, ANONYMOUS }

    public static final Member ANONYMOUS = new Member(Kind.ANONYMOUS, "anonymous");

    public Member {
        name = name.toLowerCase(Locale.ROOT);
    }

    public static Member server(String name) {
        return new Member(Kind.SERVER, name);
    }

    public static Member user(String name) {
        return new Member(Kind.USER, name);
    }

    public static Member group(String name) {
        return new Member(Kind.GROUP, name);
    }

    /**
     * Parses {@code kind:name} (or {@code anonymous}).
     *
     * @throws IllegalArgumentException with a message that shows the expected form
     */
    public static Member parse(String s) {
        if (s.equalsIgnoreCase("anonymous")) {
            return ANONYMOUS;
        }
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("\"" + s + "\" is not a member (write server:NAME, user:NAME or group:NAME)");
        }
        String kind = s.substring(0, colon).toLowerCase(Locale.ROOT);
        String name = s.substring(colon + 1);
        return switch (kind) {
            case "server" -> server(name);
            case "user" -> user(name);
            case "group" -> group(name);
            default -> throw new IllegalArgumentException("\"" + s + "\": \"" + kind + "\" is not a kind of member (server, user or group)");
        };
    }

    @Override
    public String toString() {
        return kind == Kind.ANONYMOUS ? "anonymous" : kind.name().toLowerCase(Locale.ROOT) + ":" + name;
    }
}
