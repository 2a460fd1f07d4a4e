package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.org.Directory;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code baton config check} looks at without starting a server (as {@code postfix check}):
 * the directory the server would decide by (read, checked whole, fitting this server), and the
 * TLS certificate and key of every virtual server that names them. baton.yml itself is checked
 * by loading it, before this runs.
 */
public final class ConfigurationCheck {

    /** One thing checked: what, and whether it passed (the reason when not). */
    public record Finding(String what, boolean ok, String detail) {
    }

    private ConfigurationCheck() {
    }

    public static List<Finding> run(BatonConfig config, Path dataDir) {
        List<Finding> out = new ArrayList<>();
        try (LiveDirectory d = LiveDirectory.open(config, dataDir, new LiveDirectory.Listener() {
            @Override
            public void loaded(String source, Directory directory) {
                // a check says what it found itself
            }
        })) {
            out.add(new Finding("directory", true, (d.store() == null ? "none: an organization of one, from baton.yml"
                    : d.store().describe()) + "; " + d.directory().summary()));
        } catch (IOException | RuntimeException e) {
            out.add(new Finding("directory", false, Problems.describe(e)));
        }
        for (VirtualServerSettings vs : config.virtualServers()) {
            String what = "virtual server \"" + vs.name() + "\" TLS";
            if (vs.tls().mode() == TlsMode.OFF) {
                out.add(new Finding(what, true, "off"));
            } else if (vs.tls().certificate() == null) {
                out.add(new Finding(what, true, vs.tls().mode().name().toLowerCase(java.util.Locale.ROOT)
                        + ", self-signed certificate for " + vs.fqdn() + " (made on first start in " + dataDir.resolve("tls") + ")"));
            } else {
                Path cert = dataDir.resolve(vs.tls().certificate());
                Path key = dataDir.resolve(vs.tls().key());
                try {
                    TlsContexts.server(cert, key);
                    out.add(new Finding(what, true, vs.tls().mode().name().toLowerCase(java.util.Locale.ROOT) + ", " + cert + " and " + key));
                } catch (IOException | RuntimeException e) {
                    out.add(new Finding(what, false, "cannot use " + cert + " and " + key + ": " + Problems.describe(e)));
                }
            }
        }
        return out;
    }
}
