package dev.baton.auth.kerberos;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;

/**
 * Which service principal and key version a client's first GSSAPI token is for, read from the
 * ticket's clear part (RFC 4121 4.1 framing around an RFC 4120 AP-REQ). It tells a ticket for
 * another server (wrong principal for the FQDN) from one for us under a key we no longer hold.
 *
 * @param principal the ticket's server principal with its realm: smtp/mx1.example.test@EXAMPLE.TEST
 * @param keyVersion the key version the ticket is encrypted under
 */
record TicketOfToken(String principal, int keyVersion) {

    private static final int TOKEN_TAG = 0x60;
    private static final int OID_TAG = 0x06;

    static Optional<TicketOfToken> read(byte[] token) {
        if (token == null || token.length < 16) {
            return Optional.empty();
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(token);
            if ((b.get() & 0xff) != TOKEN_TAG) {
                return Optional.empty();
            }
            length(b);
            if ((b.get() & 0xff) != OID_TAG) {
                return Optional.empty();
            }
            int oidLength = length(b);
            b.position(b.position() + oidLength);
            b.getShort(); // TOK_ID 01 00: KRB_AP_REQ
            byte[] apReq = new byte[b.remaining()];
            b.get(apReq);
            Ticket ticket = KrbCodec.decode(apReq, ApReq.class).getTicket();
            String name = ticket.getSname().getName();
            int at = name.indexOf('@');
            if (at >= 0) {
                name = name.substring(0, at);
            }
            return Optional.of(new TicketOfToken(name + "@" + ticket.getRealm(), ticket.getEncryptedEncPart().getKvno()));
        } catch (RuntimeException | org.apache.kerby.kerberos.kerb.KrbException e) {
            return Optional.empty(); // not a Kerberos AP-REQ: JGSS says what it is
        }
    }

    private static int length(ByteBuffer b) {
        int first = b.get() & 0xff;
        if (first < 0x80) {
            return first;
        }
        int n = first & 0x7f;
        if (n > 3) {
            throw new IllegalArgumentException("length of " + n + " octets");
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (b.get() & 0xff);
        }
        return len;
    }
}
