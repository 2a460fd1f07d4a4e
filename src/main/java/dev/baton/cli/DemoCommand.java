package dev.baton.cli;

import dev.baton.cli.DemoOrganization.Server;
import dev.baton.cli.DemoStory.Facts;
import dev.baton.events.LoggedEvent;
import dev.baton.node.Problems;
import dev.baton.org.Rights;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code baton demo}: an organization of two servers and its KDC, one message between them, and what happened to it. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts an organization of two servers (mail1, mail2) and the embedded",
                "Kerberos KDC on free loopback ports, their data in one folder; sends a",
                "message from alice on mail1 to bob on mail2 and tells what happened to it",
                "(STARTTLS, X-EXPS GSSAPI, the rights, the Maildir, the events); then runs",
                "until Ctrl-C, with the commands to try next. Each run starts afresh: the",
                "folder an earlier demo made is replaced (docs/demo.md).",
                "For one server of your own, use 'baton serve'."})
final class DemoCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "baton-demo",
            description = "The demo's folder (both servers' data, org.yml). Default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long the message may take to arrive before the demo gives up. Default: ${DEFAULT-VALUE}")
    int timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (timeout < 1) {
            throw new UserError("--timeout " + timeout + " is not a number of seconds (1 or more)");
        }
        PrintWriter out = spec.commandLine().getOut();
        DemoOrganization org;
        try {
            org = DemoOrganization.start(dir);
        } catch (IOException e) {
            throw new UserError("the demo's servers did not start: " + Problems.describe(e));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            org.close();
            out.println();
            out.println("Stopped mail2, mail1 and the KDC. The folder " + dir + " stays (" + DemoOrganization.MARKER + " in it says how to"
                    + " run its servers yourself); the next 'baton demo' replaces it.");
            out.flush();
            stopped.countDown();
        }, "baton-demo-shutdown"));
        introduce(out, org);
        out.flush();
        Facts facts;
        try {
            DemoStory.Submission s = DemoStory.submit(org.alice, org.bob);
            facts = DemoStory.await(org, s, Duration.ofSeconds(timeout));
        } catch (IOException e) {
            spec.commandLine().getErr().println("baton: the demo's message did not get through: " + Problems.describe(e));
            spec.commandLine().getErr().flush();
            return 1; // the shutdown hook stops the servers
        }
        tell(out, org, facts);
        next(out, org);
        out.flush();
        stopped.await();
        return 0;
    }

    private void introduce(PrintWriter out, DemoOrganization org) throws IOException {
        out.println("Baton demo: the organization \"Demo\" (domain " + DemoOrganization.DOMAIN + ", Kerberos realm " + DemoOrganization.REALM
                + "), everything in " + dir + "/");
        out.println("  KDC    embedded, run by mail1, on " + kdc(org) + " (" + org.mail1.dir().resolve("kerberos/krb5.conf") + ")");
        for (Server s : List.of(org.mail1, org.mail2)) {
            DemoOrganization.User u = s == org.mail1 ? org.alice : org.bob;
            out.println("  " + s.name() + "  " + s.fqdn() + ", SMTP on 127.0.0.1:" + org.node(s).smtpPort() + ", data in " + s.dir()
                    + "; " + u.address() + " lives here (password " + u.password() + ")");
        }
        out.println("  org.yml  " + dir.resolve("org.yml") + ": both servers read it (servers, users, rights)");
        out.println();
    }

    /** The KDC's address, from the krb5.conf mail1's realm wrote. */
    private static String kdc(DemoOrganization org) throws IOException {
        return Files.readAllLines(org.mail1.dir().resolve("kerberos/krb5.conf")).stream()
                .map(String::strip).filter(l -> l.startsWith("kdc = ")).map(l -> l.substring("kdc = ".length()))
                .findFirst().orElse("(not in krb5.conf)");
    }

    private void tell(PrintWriter out, DemoOrganization org, Facts f) {
        String hopId = f.sent1().field("queued_as");
        out.println("What happened to one message from " + org.alice.address() + " to " + org.bob.address() + " "
                + f.submission().messageId() + ":");
        out.println();
        out.println("1. alice's mail program submitted it to mail1 (127.0.0.1:" + org.mail1.port() + "): STARTTLS ("
                + f.submission().tls() + "), AUTH PLAIN as alice; mail1 answered \"" + f.submission().reply() + "\".");
        out.println("   The right that let alice submit, on mail1:");
        explanation(out, f.submitRight());
        out.println();
        out.println("2. mail1's organization route looked bob up in org.yml: his mailbox is on mail2, so mail1 relayed it to mail2");
        out.println("   at " + f.sent1().field("relay") + " (mail1's delivery log, " + org.mail1.dir().resolve("logs/delivery.log") + "):");
        out.println("     " + f.sent1().text());
        out.println();
        out.println("3. The hop, as mail2 recorded it (" + org.mail2.dir().resolve("logs/delivery.log") + "):");
        out.println("     " + f.received2().text());
        out.println("   STARTTLS: " + orNone(f.received2().field("tls")));
        String principal = f.received2().field("auth");
        boolean server = "server".equals(f.received2().field("auth_as"));
        out.println("   X-EXPS " + orNone(f.received2().field("auth_method")) + ": mail1 proved to be " + orNone(principal)
                + (server ? "" : " (not as a server!)") + " (a ticket from the KDC, checked with mail2's keytab "
                + org.mail2.dir().resolve("kerberos/smtp.keytab") + ")");
        out.println("   which the directory names as "
                + (f.hopServer() == null ? "no server" : "the server " + f.hopServer().name() + ", one of group:organization-servers")
                + ". The right that let it in, on mail2:");
        explanation(out, f.acceptRight());
        out.println();
        out.println("4. mail2 queued it as " + hopId + " and delivered it to bob's Maildir:");
        out.println("     " + f.maildirFile());
        out.println("   with mail2's Received header on top:");
        f.receivedHeader().lines().forEach(l -> out.println("     " + l.strip()));
        out.println();
        out.println("5. The events each server logged (baton events --data-dir DIR):");
        events(out, org.mail1, f.events1());
        events(out, org.mail2, f.events2());
        out.println();
    }

    private static String orNone(String s) {
        return s == null ? "(none)" : s;
    }

    private static void explanation(PrintWriter out, Rights.Decision d) {
        d.explanation().lines().forEach(l -> out.println("     " + l));
    }

    private static void events(PrintWriter out, Server s, List<LoggedEvent> events) {
        out.println("   " + s.name() + " (" + s.dir().resolve("events/events.log") + "):");
        for (LoggedEvent e : events) {
            out.println("     " + TIME.format(e.time()) + " " + e.id() + " " + e.text());
        }
    }

    private void next(PrintWriter out, DemoOrganization org) {
        String b = "./baton";
        String d1 = org.mail1.dir().toString();
        String d2 = org.mail2.dir().toString();
        int p1 = org.mail1.port();
        int p2 = org.mail2.port();
        String dom = DemoOrganization.DOMAIN;
        out.println("Try next, in another terminal, while this runs:");
        out.println("  " + b + " send --server 127.0.0.1:" + p1 + " --starttls --from you@" + dom + " --to bob@" + dom + " -v"
                + "     # mail1 relays it to mail2");
        out.println("  " + b + " send --server 127.0.0.1:" + p2 + " --starttls --from you@" + dom + " --to alice@" + dom
                + "        # and back: mail2 to mail1");
        out.println("  " + b + " send --server 127.0.0.1:" + p1 + " --from you@" + dom + " --to carol@" + dom
                + "                  # refused: nobody in org.yml is carol");
        out.println("  ls " + org.mail2.dir().resolve("mailboxes/" + dom + "/bob/new") + " " + org.mail1.dir().resolve("mailboxes/" + dom
                + "/alice/new"));
        out.println("  " + b + " events --data-dir " + d2 + "                 # or --id 1704, --follow");
        out.println("  cat " + d1 + "/logs/delivery.log " + d2 + "/logs/delivery.log");
        out.println("  " + b + " org explain --data-dir " + d2 + " --who server:mail1 --right accept-authoritative-domain --on server:mail2/default");
        out.println("  " + b + " status --data-dir " + d1 + "; " + b + " org show --data-dir " + d1);
        out.println("  echo " + org.bob.password() + " | " + b + " send --server 127.0.0.1:" + p2 + " --starttls --user bob --password-stdin"
                + " --from bob@" + dom + " --to alice@" + dom + "   # as bob (AUTH PLAIN inside TLS)");
        out.println("Make the hop fail, and mend it: take mail2's keytab away, so it cannot check mail1's ticket");
        out.println("  mv " + d2 + "/kerberos/smtp.keytab " + dir + "/mail2.keytab.away");
        out.println("  " + b + " send --server 127.0.0.1:" + p1 + " --from you@" + dom + " --to bob@" + dom);
        out.println("  " + b + " queue list --data-dir " + d1 + "          # deferred, with mail2's reply");
        out.println("  " + b + " events --data-dir " + d1 + " --id 7006; " + b + " events --data-dir " + d2 + " --id 1704");
        out.println("  mv " + dir + "/mail2.keytab.away " + d2 + "/kerberos/smtp.keytab");
        out.println("  " + b + " queue retry --all --data-dir " + d1 + "   # delivered now");
        out.println();
        out.println("Running until Ctrl-C.");
    }
}
