package io.dsrgw.harness.ops;

import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.NetnsAssumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian packages (built by {@code mvn -Pdeb}, as CI does) on this host, as README "Install" uses them:
 * lintian finds nothing; {@code apt-get install ./dsrgw-gateway_*.deb ./dsrgw-agent_*.deb}, {@code --version} and
 * {@code check-config} from the installed paths on the packaged runtime; man pages (man -w) and bash completions for
 * every program; an edit of /etc/dsrgw/gateway.conf; the
 * installed unit's ExecStartPre and ExecStart run as systemd would (no systemd PID 1 here: setpriv with the unit's
 * User, Group and capabilities, /run/dsrgw as its RuntimeDirectory) in a network namespace of its own;
 * {@code dsrctl status}, ExecReload ({@code dsrctl reload}, failing on a broken file), the status page and
 * {@code /metrics}; SIGTERM; then {@code apt-get purge} leaves no file, directory, user or group behind.
 */
@Tag("netns")
@Timeout(value = 180)
class DebPackagesIT {
    static final Path GATEWAY_TARGET = Path.of("..", "gateway", "target").toAbsolutePath().normalize();
    static final Path AGENT_TARGET = Path.of("..", "backend-agent", "target").toAbsolutePath().normalize();
    static final List<String> LEFT_BEHIND = List.of("/usr/lib/dsrgw-gateway", "/usr/lib/dsrgw-agent", "/etc/dsrgw",
            "/usr/bin/dsr-gateway", "/usr/bin/dsrctl", "/usr/bin/dsr-agent", "/lib/systemd/system/dsr-gateway.service",
            "/lib/systemd/system/dsr-agent.service", "/usr/share/doc/dsrgw-gateway", "/usr/share/doc/dsrgw-agent",
            "/usr/share/lintian/overrides/dsrgw-gateway", "/usr/share/lintian/overrides/dsrgw-agent",
            "/var/lib/dsrgw", "/run/dsrgw",
            "/usr/share/man/man1/dsr-gateway.1.gz", "/usr/share/man/man1/dsrctl.1.gz",
            "/usr/share/man/man1/dsr-agent.1.gz", "/usr/share/bash-completion/completions/dsr-gateway",
            "/usr/share/bash-completion/completions/dsrctl", "/usr/share/bash-completion/completions/dsr-agent");
    static final List<String> PROGRAMS = List.of("dsr-gateway", "dsrctl", "dsr-agent");
    static final Duration APT = Duration.ofSeconds(120);

    static Path deb(Path target, String pkg) throws IOException {
        assumeTrue(Files.isDirectory(target), target + " missing: build first (mvn -Pdeb package)");
        try (Stream<Path> files = Files.list(target)) {
            Path deb = files.filter(f -> f.getFileName().toString().matches(pkg + "_.*_amd64\\.deb")).findFirst()
                    .orElse(null);
            assumeTrue(deb != null, "no " + pkg + "_*.deb in " + target + " (built by mvn -Pdeb, as scripts/test does)");
            return deb;
        }
    }

    @Test
    void lintianFindsNothingToReport() throws Exception {
        Path gateway = deb(GATEWAY_TARGET, "dsrgw-gateway");
        Path agent = deb(AGENT_TARGET, "dsrgw-agent");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/lintian")), "lintian not installed (Debian package lintian)");
        // Errors and warnings (lintian's default level; its informational tags are about the bundled JDK's files).
        Commands.Result r = Commands.run(List.of("lintian", "--tag-display-limit", "0", gateway.toString(),
                agent.toString()), Duration.ofSeconds(150));
        List<String> tags = r.stdout().lines().filter(l -> l.matches("^[EW]: .*")).toList();
        assertEquals(List.of(), tags, "lintian exit " + r.exitCode() + "\n" + r.stdout() + r.stderr());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void installedFromThePackagesTheGatewayServesAsTheDsrgwUserAndPurgeLeavesNothing() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("curl");
        Path gatewayDeb = deb(GATEWAY_TARGET, "dsrgw-gateway");
        Path agentDeb = deb(AGENT_TARGET, "dsrgw-agent");
        for (String pkg : List.of("dsrgw-gateway", "dsrgw-agent")) {
            assumeTrue(!installed(pkg), pkg + " is installed on this host already: not touching it");
        }
        assumeTrue(!Commands.run(List.of("getent", "passwd", "dsrgw")).ok(), "user dsrgw exists already on this host");
        for (String p : LEFT_BEHIND) {
            assumeTrue(!Files.exists(Path.of(p)), p + " exists already on this host: not touching it");
        }
        String version = gatewayDeb.getFileName().toString().split("_")[1].replace('~', '-');
        String ns = "dsrgw-deb-" + ProcessHandle.current().pid();
        Process gateway = null;
        try {
            apt("install", gatewayDeb.toString(), agentDeb.toString());
            assertTrue(installed("dsrgw-gateway") && installed("dsrgw-agent"));

            // The programs run on the packaged runtime, without a JDK in the environment.
            assertEquals("dsr-gateway " + version, run("/usr/bin/dsr-gateway", "--version").strip());
            assertEquals("dsrctl " + version, run("/usr/bin/dsrctl", "--version").strip());
            assertEquals("dsr-agent " + version, run("/usr/bin/dsr-agent", "--version").strip());
            run("/usr/bin/dsr-agent", "check-config", "/etc/dsrgw/agent.conf");
            assertManPagesAndCompletionsInstalled();
            assertTrue(Commands.run(List.of("dpkg-query", "-W", "-f=${Conffiles}", "dsrgw-gateway")).stdout()
                    .contains("/etc/dsrgw/gateway.conf"), "gateway.conf is a conffile");
            String passwd = Commands.check(List.of("getent", "passwd", "dsrgw")).stdout().strip();
            int uid = Integer.parseInt(passwd.split(":")[2]);
            assertTrue(uid > 0 && uid < 1000, "a system user: " + passwd);
            Commands.check(List.of("getent", "group", "dsrgw"));

            // The operator edits the configuration (README "Install").
            Path conf = Path.of("/etc/dsrgw/gateway.conf");
            String example = Files.readString(conf);
            assertTrue(example.contains("hash-seed = \"dsrgw-demo-seed\""), "the shipped example changed");
            Files.writeString(conf, example.replace("dsrgw-demo-seed", "site-secret-seed"));

            // systemctl enable --now, as far as this host allows: the unit's commands, user and capabilities.
            Map<String, String> unit = unit(Path.of("/lib/systemd/system/dsr-gateway.service"));
            run(asService(unit, unit.get("ExecStartPre")).toArray(String[]::new));
            Commands.check(List.of("ip", "netns", "add", ns));
            Commands.check(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
            Path runtimeDir = Path.of("/run/" + unit.get("RuntimeDirectory"));
            Files.createDirectory(runtimeDir);
            Commands.check(List.of("chown", unit.get("User") + ":" + unit.get("Group"), runtimeDir.toString()));
            Commands.check(List.of("chmod", unit.get("RuntimeDirectoryMode"), runtimeDir.toString()));
            List<String> start = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            start.addAll(asService(unit, unit.get("ExecStart")));
            Path log = Files.createTempFile("dsrgw-deb-gateway", ".log");
            gateway = new ProcessBuilder(start).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            awaitLine(gateway, log, "dsr-gateway: forwarding ");

            assertEquals("/usr/lib/dsrgw-gateway/runtime/bin/java",
                    Files.readSymbolicLink(Path.of("/proc/" + gateway.pid() + "/exe")).toString());
            String status = Files.readString(Path.of("/proc/" + gateway.pid() + "/status"));
            assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid), status);
            // CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_PERFMON 38, CAP_BPF 39 and nothing else.
            long caps = 1L << 12 | 1L << 13 | 1L << 38 | 1L << 39;
            assertTrue(status.contains(String.format("\nCapEff:\t%016x", caps)), status);

            String dsrctl = run("ip", "netns", "exec", ns, "/usr/bin/dsrctl", "status");
            assertTrue(dsrctl.contains("generation"), dsrctl);
            String reload = run(("ip netns exec " + ns + " " + unit.get("ExecReload")).split(" "));
            assertTrue(reload.contains("no change") || reload.contains("generation"), reload);
            Files.writeString(conf, "dsrgw.gateway { vips = 1 }\n");
            Commands.Result rejected = Commands.run(List.of(("ip netns exec " + ns + " " + unit.get("ExecReload"))
                    .split(" ")));
            assertEquals(1, rejected.exitCode(), "ExecReload fails on a rejected file: " + rejected);
            String page = run("ip", "netns", "exec", ns, "curl", "-sf", "http://127.0.0.1:9180/");
            assertTrue(page.toLowerCase(Locale.ROOT).contains("<html"), page);
            String metrics = run("ip", "netns", "exec", ns, "curl", "-sf", "http://127.0.0.1:9180/metrics");
            assertTrue(metrics.contains("dsrgw_"), metrics);

            gateway.destroy(); // SIGTERM, as systemctl stop
            assertTrue(gateway.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), Files.readString(log));
            assertEquals(0, gateway.exitValue(), Files.readString(log));
            Files.delete(log);
        } finally {
            if (gateway != null && gateway.isAlive()) {
                gateway.destroyForcibly().waitFor();
            }
            Commands.run(List.of("ip", "netns", "del", ns));
            // systemd removes the RuntimeDirectory when the service stops.
            Commands.run(List.of("rm", "-rf", "/run/dsrgw"));
            if (installed("dsrgw-gateway") || installed("dsrgw-agent")) {
                apt("purge", "dsrgw-gateway", "dsrgw-agent");
            }
        }
        assertFalse(installed("dsrgw-gateway") || installed("dsrgw-agent"));
        List<String> left = new ArrayList<>();
        for (String p : LEFT_BEHIND) {
            if (Files.exists(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                left.add(p);
            }
        }
        assertEquals(List.of(), left, "left behind by purge");
        assertFalse(Commands.run(List.of("getent", "passwd", "dsrgw")).ok(), "user dsrgw left behind");
        assertFalse(Commands.run(List.of("getent", "group", "dsrgw")).ok(), "group dsrgw left behind");
    }

    /**
     * Every program has its man page where man finds it (man -w, when man-db is installed; else the file) and a
     * bash completion that, sourced, registers a completion for the program's name.
     */
    static void assertManPagesAndCompletionsInstalled() throws Exception {
        boolean man = Files.isExecutable(Path.of("/usr/bin/man"));
        for (String program : PROGRAMS) {
            Path page = Path.of("/usr/share/man/man1/" + program + ".1.gz");
            assertTrue(Files.isRegularFile(page), page + " not installed");
            if (man) {
                assertEquals(page.toString(), run("man", "-w", program).strip(), "man -w " + program);
            }
            Path completion = Path.of("/usr/share/bash-completion/completions/" + program);
            assertTrue(Files.isRegularFile(completion), completion + " not installed");
            String complete = run("bash", "-c", "source " + completion + " && complete -p " + program);
            assertTrue(complete.strip().endsWith(" " + program), complete);
        }
        // A sub-command's page too (picocli writes one per command): dsrctl status is the README's first command.
        assertTrue(Files.isRegularFile(Path.of("/usr/share/man/man1/dsrctl-status.1.gz")), "dsrctl-status.1.gz");
    }

    static boolean installed(String pkg) throws Exception {
        Commands.Result r = Commands.run(List.of("dpkg-query", "-W", "-f=${db:Status-Status}", pkg));
        return r.ok() && !r.stdout().strip().equals("not-installed") && !r.stdout().isBlank();
    }

    static void apt(String verb, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=120", "-y", "-q",
                "--no-install-recommends", verb));
        cmd.addAll(List.of(args));
        Commands.Result r = runWithEnv(cmd, Map.of("DEBIAN_FRONTEND", "noninteractive"), APT);
        if (!r.ok()) {
            fail("apt-get " + verb + " failed (exit " + r.exitCode() + "):\n" + r.stdout() + r.stderr());
        }
    }

    /** Runs a command with a minimal environment (no JAVA_HOME, PATH of a service); its stdout, or fails. */
    static String run(String... command) throws Exception {
        Commands.Result r = runWithEnv(List.of(command), Map.of(), Duration.ofSeconds(60));
        if (!r.ok()) {
            fail("`" + String.join(" ", command) + "` exited " + r.exitCode() + ":\n" + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    static Commands.Result runWithEnv(List<String> command, Map<String, String> env, Duration timeout)
            throws Exception {
        List<String> full = new ArrayList<>(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(command);
        return Commands.run(full, timeout);
    }

    /** The unit's [Service] settings (last one wins, as for these single-valued keys). */
    static Map<String, String> unit(Path file) throws IOException {
        Map<String, String> settings = new java.util.HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                settings.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return settings;
    }

    /** {@code command} (a unit's Exec line) run as the unit's User/Group with exactly its ambient capabilities. */
    static List<String> asService(Map<String, String> unit, String command) {
        String caps = String.join(",", Stream.of(unit.get("AmbientCapabilities").split(" "))
                .map(c -> "+" + c.substring("CAP_".length()).toLowerCase(Locale.ROOT)).toList());
        assertEquals(unit.get("AmbientCapabilities"), unit.get("CapabilityBoundingSet"));
        List<String> cmd = new ArrayList<>(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "setpriv",
                "--reuid=" + unit.get("User"), "--regid=" + unit.get("Group"), "--init-groups",
                "--inh-caps=-all," + caps, "--ambient-caps=-all," + caps, "--bounding-set=-all," + caps));
        if ("yes".equals(unit.get("NoNewPrivileges"))) {
            cmd.add("--no-new-privs");
        }
        cmd.add("--");
        cmd.addAll(List.of(command.split(" ")));
        return cmd;
    }

    static void awaitLine(Process p, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                fail("gateway exited " + p.exitValue() + " before \"" + text + "\":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        fail("no \"" + text + "\" within 60 s:\n" + Files.readString(log));
    }
}
