package dev.baton.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** Wraps a socket factory so that every socket it makes speaks only TLS 1.3 and 1.2. */
final class RestrictedSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;
    private final boolean client;
    private final boolean identifyEndpoint;

    RestrictedSocketFactory(SSLSocketFactory delegate, boolean client) {
        this(delegate, client, false);
    }

    /** With identifyEndpoint, a client socket checks that the certificate names the host it was made for. */
    RestrictedSocketFactory(SSLSocketFactory delegate, boolean client, boolean identifyEndpoint) {
        this.delegate = delegate;
        this.client = client;
        this.identifyEndpoint = identifyEndpoint;
    }

    private Socket restrict(Socket s) {
        SSLSocket ssl = (SSLSocket) s;
        ssl.setEnabledProtocols(TlsContexts.PROTOCOLS);
        ssl.setUseClientMode(client);
        if (!client) {
            // what we accept: AEAD with forward secrecy only (ADR 0009); as a client we take what an old peer has
            ssl.setEnabledCipherSuites(TlsContexts.serverCipherSuites(ssl.getEnabledCipherSuites()));
            javax.net.ssl.SSLParameters p = ssl.getSSLParameters();
            p.setUseCipherSuitesOrder(true);
            ssl.setSSLParameters(p);
        }
        if (identifyEndpoint) {
            javax.net.ssl.SSLParameters p = ssl.getSSLParameters();
            // "HTTPS" is RFC 2818 name matching (SAN dNSName, wildcards), which RFC 7672/6125 SMTP matching agrees with for names
            p.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(p);
        }
        return ssl;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return restrict(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return restrict(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return restrict(delegate.createSocket(address, port, localAddress, localPort));
    }
}
