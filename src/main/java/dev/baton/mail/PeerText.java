package dev.baton.mail;

/** Text that came from a peer, made fit to show in a log, a queue listing or a DSN. */
public final class PeerText {

    private static final int MAX = 200;

    private PeerText() {
    }

    /** At most 200 characters of it ("..." after a cut), control characters shown as '?'. */
    public static String quote(String raw) {
        String s = raw.length() > MAX ? raw.substring(0, MAX) + "..." : raw;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
