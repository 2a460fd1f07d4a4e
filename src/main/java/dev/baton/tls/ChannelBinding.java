package dev.baton.tls;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;

/**
 * The tls-exporter channel binding (RFC 9266) of a TLS session: 32 octets exported with the
 * label "EXPORTER-Channel-Binding" and an empty context. Only for TLS 1.3: under TLS 1.2 the
 * exporter binds the channel only with the extended master secret (RFC 9266 3), which the JDK
 * does not let us check. The exporter is public API from JDK 25
 * ({@code ExtendedSSLSession.exportKeyingMaterialData}); Baton builds for JDK 21, so it is
 * looked up once by reflection, and on an older JDK there is no binding (and no -PLUS).
 */
public final class ChannelBinding {

    public static final String LABEL = "EXPORTER-Channel-Binding";
    public static final int LENGTH = 32;

    /** exportKeyingMaterialData(String label, byte[] context, int length), or null before JDK 25. */
    private static final MethodHandle EXPORT = exporter();

    private ChannelBinding() {
    }

    private static MethodHandle exporter() {
        try {
            return MethodHandles.publicLookup().findVirtual(ExtendedSSLSession.class, "exportKeyingMaterialData",
                    MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    /** Whether this JDK can export keying material at all. */
    public static boolean available() {
        return EXPORT != null;
    }

    /**
     * The binding of this session, or null when there is none: not TLS 1.3, a JDK without the
     * exporter, or a session that refuses to export.
     */
    public static byte[] tlsExporter(SSLSession session) {
        if (EXPORT == null || !(session instanceof ExtendedSSLSession s) || !"TLSv1.3".equals(session.getProtocol())) {
            return null;
        }
        try {
            byte[] b = (byte[]) EXPORT.invoke(s, LABEL, new byte[0], LENGTH);
            return b != null && b.length == LENGTH ? b : null;
        } catch (javax.net.ssl.SSLKeyException | UnsupportedOperationException none) {
            return null; // nothing to export from this session, or a provider without the exporter: no -PLUS here
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable checked) {
            // the method declares only SSLKeyException; anything else is a broken JDK, not "no binding"
            throw new IllegalStateException("exportKeyingMaterialData failed", checked);
        }
    }
}
