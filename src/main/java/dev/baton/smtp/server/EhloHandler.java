package dev.baton.smtp.server;

import dev.baton.mail.MailAddress;
import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;

/**
 * EHLO and HELO (RFC 5321 4.1.1.1): the client's domain or address literal, allowed at any
 * time; it drops any transaction. EHLO answers with the keywords every handler of the table
 * offers in this session; HELO with one line and no extensions.
 */
final class EhloHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("EHLO", "HELO");

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        ehlo.offer(Extension.PIPELINING);
        ehlo.offer(Extension.ENHANCED_STATUS_CODES);
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        boolean extended = c.verb().equals("EHLO");
        String arg = c.argument();
        int space = arg.indexOf(' ');
        if (arg.isEmpty() || space >= 0 && !extended) {
            s.refuse(Reply.HELO_NEEDS_DOMAIN.with(c.verb()), c);
            return;
        }
        // HELO has exactly one word; EHLO takes its first and ignores the rest
        String name = space < 0 ? arg : arg.substring(0, space);
        if (!validName(name)) {
            s.refuse(Reply.HELO_BAD_DOMAIN.with(Reply.printable(name)), c);
            return;
        }
        s.greeted(name, extended);
        Response hello = Reply.HELO_OK.with(s.settings().fqdn(), name, s.connection().clientAddress());
        if (!extended) {
            s.reply(hello);
            return;
        }
        EhloKeywords keywords = new EhloKeywords();
        s.commands().extensions(s, keywords);
        s.reply(Response.multiline(Reply.HELO_OK, keywords.lines(hello.lines().get(0))));
    }

    /** A domain (letters, digits, '-', '.', '_', non-ASCII) or an address literal of printable ASCII. */
    static boolean validName(String name) {
        if (name.length() > 6 && name.regionMatches(true, 0, "[IPv6:", 0, 6) && name.endsWith("]")) {
            return MailAddress.isIpv6Address(name.substring(6, name.length() - 1));
        }
        if (name.startsWith("[") && name.endsWith("]")) {
            // RFC 5321 4.1.3 dcontent: printable ASCII but [ \ ]; the name goes into the
            // Received header, where a bare CR or a control character must never appear
            for (int i = 1; i < name.length() - 1; i++) {
                char ch = name.charAt(i);
                if (ch < 33 || ch > 126 || ch == '[' || ch == ']' || ch == '\\') {
                    return false;
                }
            }
            return name.length() > 2;
        }
        if (name.length() > 255) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_' || ch > 127)) {
                return false;
            }
        }
        return true;
    }
}
