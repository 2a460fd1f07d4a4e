package dev.baton.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One reply as sent: the catalogue entry it came from, its code, its enhanced code and its text
 * lines. {@link #render(boolean)} produces the wire form, with or without enhanced codes
 * (they appear only after EHLO advertised ENHANCEDSTATUSCODES).
 */
public record Response(Reply id, int code, String enhanced, List<String> lines) {

    public Response {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
    }

    public static Response multiline(Reply id, List<String> lines) {
        return new Response(id, id.code(), id.enhanced(), lines);
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    public String render(boolean enhancedCodes) {
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhancedCodes && enhanced != null) {
                sb.append(enhanced).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    public byte[] bytes(boolean enhancedCodes) {
        return render(enhancedCodes).getBytes(StandardCharsets.UTF_8);
    }

    /** The reply on one line, as the event log and protocol log show it. */
    public String oneLine(boolean enhancedCodes) {
        return render(enhancedCodes).stripTrailing().replace("\r\n", " / ");
    }
}
