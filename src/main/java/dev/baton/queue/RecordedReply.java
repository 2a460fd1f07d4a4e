package dev.baton.queue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replies that spool format 1 kept as text only. They are read once, when a state file of that
 * format is loaded after an upgrade, and become {@link DeliveryText#RECORDED} replies: the text
 * as it was, its code and status code taken from it as Baton 0.1 did when it wrote a DSN. This is
 * the one place that reads a reply out of text; nothing written by format 2 comes here.
 */
final class RecordedReply {

    private static final Pattern STATUS = Pattern.compile("\\b([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b");

    private RecordedReply() {
    }

    static DeliveryReply of(String text) {
        int code = 0;
        if (text.length() >= 3 && Character.isDigit(text.charAt(0)) && Character.isDigit(text.charAt(1))
                && Character.isDigit(text.charAt(2)) && (text.length() == 3 || text.charAt(3) == ' ')) {
            code = Integer.parseInt(text.substring(0, 3));
        }
        Matcher m = STATUS.matcher(text);
        return DeliveryReply.recorded(text, code, m.find() ? m.group() : null);
    }
}
