package dev.baton.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port that nothing listens on now, for a listener that is bound later (the ports
 * {@code baton demo} writes into its servers' files before it starts them; tests' servers).
 *
 * <p>A port taken from {@code new ServerSocket(0)} lies in the kernel's ephemeral range, the same range
 * every outgoing connection draws its local port from. Between the probe and the later bind a client
 * socket (a delivery attempt, a Kerberos login, a CLI call) can take it, and the bind fails with "Address
 * already in use". This helper picks ports below the ephemeral range, which the kernel never hands out on
 * its own, and never the same port twice in one JVM.
 */
public final class LoopbackPorts {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private LoopbackPorts() {}

    /** A port on 127.0.0.1 that was free a moment ago and lies outside the ephemeral range. */
    public static synchronized int unused() throws IOException {
        int low = 10_000;
        int high = ephemeralLow() - 1;
        if (high - low < 1_000) {
            low = 1_024;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int tries = 0; tries < 200; tries++) {
            int port = random.nextInt(low, high + 1);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            } catch (IOException taken) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IOException("no free loopback port between " + low + " and " + high + " after 200 tries");
    }

    /** The first port of the kernel's ephemeral range (Linux default 32768). */
    private static int ephemeralLow() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            // readAllLines, not readString: /proc reports a size of 0 and readString then returns one byte
            int low = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
            return low > 2_048 ? low : 32_768;
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }
}
