package dev.baton.config;

/**
 * Integrated authentication's Kerberos (docs/kerberos.md, ADR 0021): where the realm is and where
 * this server's keys are. Off unless baton.yml turns it on: a plain {@code baton serve} starts no KDC.
 *
 * @param mode     off, embedded (this node runs the realm's KDC) or external (a KDC elsewhere)
 * @param realm    the realm, upper case; null for the directory organization's realm
 * @param krb5Conf external: the krb5.conf to use (null: the process's own, -Djava.security.krb5.conf);
 *                 embedded: always DATA/kerberos/krb5.conf, written by the node
 * @param keytab   this server's keytab, relative to the data directory
 * @param kdcPort  embedded: the KDC's TCP port on loopback; 0 for one kept from the last start, else free
 */
public record KerberosSettings(Mode mode, String realm, String krb5Conf, String keytab, int kdcPort) {

    public static final KerberosSettings DEFAULT = new KerberosSettings(Mode.OFF, null, null, "kerberos/smtp.keytab", 0);

    public enum Mode { OFF, EMBEDDED, EXTERNAL }

    public boolean on() {
        return mode != Mode.OFF;
    }
}
