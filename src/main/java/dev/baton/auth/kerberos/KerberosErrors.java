package dev.baton.auth.kerberos;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ietf.jgss.GSSException;

/**
 * Tells JGSS's errors apart. The JDK's Kerberos exceptions are internal (sun.security.krb5), so the
 * protocol error number (RFC 4120 7.5.9) is read where the JDK writes it, at the end of the message
 * ("Clock skew too great (37)"); a KDC that cannot be reached shows as a socket error in the chain.
 */
final class KerberosErrors {

    static final String ACCEPT = "AcceptSecurityContext";
    static final String INITIALIZE = "InitializeSecurityContext";
    static final String ACQUIRE = "AcquireCredentialsHandle";

    // KrbException.getMessage(): "<text> (<code>)" optionally followed by " - <detail>"
    private static final Pattern CODE = Pattern.compile("^[^()]*\\((\\d{1,3})\\)(?: - .*)?$", Pattern.DOTALL);

    static final int KDC_ERR_C_PRINCIPAL_UNKNOWN = 6;
    static final int KDC_ERR_S_PRINCIPAL_UNKNOWN = 7;
    static final int KDC_ERR_PREAUTH_FAILED = 24;
    static final int KRB_AP_ERR_BAD_INTEGRITY = 31;
    static final int KRB_AP_ERR_SKEW = 37;
    static final int KRB_AP_ERR_MODIFIED = 41;
    static final int KRB_AP_ERR_BADKEYVER = 44;
    static final int KRB_AP_ERR_NOKEY = 45;
    static final int KRB_AP_WRONG_PRINC = 47;

    private KerberosErrors() {
    }

    static KerberosException classify(Throwable t, String operation, String detail) {
        KerberosCause cause = causeOf(t);
        return new KerberosException(cause, cause.failure(operation, detail, underlying(t)), t);
    }

    static KerberosCause causeOf(Throwable t) {
        for (Throwable c : chain(t)) {
            if (c instanceof ConnectException || c instanceof SocketTimeoutException || c instanceof NoRouteToHostException
                    || c instanceof PortUnreachableException || c instanceof UnknownHostException) {
                return KerberosCause.KDC_UNREACHABLE;
            }
        }
        int code = kerberosCode(t);
        switch (code) {
            case KDC_ERR_C_PRINCIPAL_UNKNOWN, KDC_ERR_S_PRINCIPAL_UNKNOWN -> {
                return KerberosCause.PRINCIPAL_UNKNOWN;
            }
            case KRB_AP_ERR_SKEW -> {
                return KerberosCause.CLOCK_SKEW;
            }
            case KDC_ERR_PREAUTH_FAILED, KRB_AP_ERR_BAD_INTEGRITY, KRB_AP_ERR_MODIFIED, KRB_AP_ERR_BADKEYVER -> {
                return KerberosCause.STALE_KEY;
            }
            case KRB_AP_ERR_NOKEY -> {
                return KerberosCause.NO_KEY;
            }
            case KRB_AP_WRONG_PRINC -> {
                return KerberosCause.WRONG_PRINCIPAL;
            }
            default -> {
                // below: what the JDK says without a protocol error number
            }
        }
        for (Throwable c : chain(t)) {
            String m = String.valueOf(c.getMessage());
            if (m.contains("Cannot locate KDC") || m.contains("Cannot contact any KDC")) {
                return KerberosCause.KDC_UNREACHABLE;
            }
            if (m.contains("Checksum failed") || m.contains("Integrity check on decrypted field failed")) {
                return KerberosCause.STALE_KEY; // decrypted with a key that is not the KDC's
            }
            if (m.contains("Cannot find key") || m.contains("Unable to obtain password")) {
                return KerberosCause.NO_KEY;
            }
            if (c instanceof GSSException g && (g.getMajor() == GSSException.DEFECTIVE_TOKEN
                    || g.getMajor() == GSSException.BAD_MECH)) {
                return KerberosCause.INVALID_TOKEN;
            }
        }
        return KerberosCause.INTERNAL;
    }

    /** The Kerberos protocol error number somewhere in the chain, or -1. */
    static int kerberosCode(Throwable t) {
        for (Throwable c : chain(t)) {
            if (c.getClass().getName().startsWith("sun.security.krb5.") && c.getMessage() != null) {
                Matcher m = CODE.matcher(c.getMessage());
                if (m.matches()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        return -1;
    }

    /** The chain's messages, outermost first, each once: "GSSException: ... <- KrbException: ...". */
    static String underlying(Throwable t) {
        StringBuilder b = new StringBuilder();
        String last = null;
        for (Throwable c : chain(t)) {
            String m = c.getMessage();
            if (m == null || m.equals(last)) {
                continue;
            }
            if (!b.isEmpty()) {
                b.append(" <- ");
            }
            b.append(c.getClass().getSimpleName()).append(": ").append(m);
            last = m;
        }
        return b.isEmpty() ? t.getClass().getName() : b.toString();
    }

    private static Iterable<Throwable> chain(Throwable t) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        java.util.List<Throwable> list = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null && list.size() < 20; c = c.getCause()) {
            list.add(c);
        }
        return list;
    }
}
