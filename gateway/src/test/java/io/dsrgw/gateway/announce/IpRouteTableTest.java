package io.dsrgw.gateway.announce;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link IpRouteTable} against the kernel, in a network namespace of its own (deleted afterwards): the routes BIRD
 * will learn, idempotent deletes, and the property a crash relies on: removing the device removes its routes.
 */
class IpRouteTableTest {
    private final String ns = "dsrgw-annc-" + ProcessHandle.current().pid();
    private boolean created;

    private static String ip(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("ip"));
        c.addAll(List.of(args));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", c) + ": exit " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a network namespace (user "
                + System.getProperty("user.name") + ")");
        ip("netns", "add", ns);
        created = true;
        // A veth pair (no dummy module on every kernel), both ends up so that dsr9 has a carrier.
        ip("-n", ns, "link", "add", "dsr9", "type", "veth", "peer", "name", "dsr9p");
        ip("-n", ns, "link", "set", "dsr9", "up");
        ip("-n", ns, "link", "set", "dsr9p", "up");
    }

    @AfterEach
    void delete() throws Exception {
        if (created) {
            ip("netns", "del", ns);
        }
    }

    @Test
    void shouldPutAnnounceRoutesOfBothFamiliesIntoTheTableAndDeleteThemIdempotently() throws Exception {
        IpRouteTable t = new IpRouteTable(ns);
        t.replace(200, "10.100.0.1/32", "dsr9");
        t.replace(200, "10.100.0.1/32", "dsr9");
        t.replace(200, "2001:db8::1/128", "dsr9");
        assertEquals("10.100.0.1 dev dsr9 proto static scope link", ip("-n", ns, "route", "show", "table", "200")
                .strip());
        assertTrue(ip("-n", ns, "-6", "route", "show", "table", "200").startsWith("2001:db8::1 dev dsr9 proto static"));
        assertEquals("", ip("-n", ns, "route", "show", "10.100.0.1/32").strip(), "not in the main table");
        t.delete(200, "10.100.0.1/32", "dsr9");
        t.delete(200, "10.100.0.1/32", "dsr9");
        assertEquals("", ip("-n", ns, "route", "show", "table", "200").strip());
    }

    @Test
    void shouldLoseTheRoutesWithTheDeviceAsAKilledGatewayLosesItsTun() throws Exception {
        IpRouteTable t = new IpRouteTable(ns);
        t.replace(200, "10.100.0.1/32", "dsr9");
        t.replace(200, "2001:db8::1/128", "dsr9");
        ip("-n", ns, "link", "del", "dsr9");
        assertEquals("", ip("-n", ns, "route", "show", "table", "200").strip());
        assertEquals("", ip("-n", ns, "-6", "route", "show", "table", "200").strip());
        t.delete(200, "10.100.0.1/32", "dsr9");
    }

    @Test
    void shouldNameTheCommandAndTheKernelsAnswerWhenItFails() {
        IOException e = assertThrows(IOException.class,
                () -> new IpRouteTable(ns).replace(200, "10.100.0.1/32", "nosuchdev"));
        assertTrue(e.getMessage().startsWith("ip -n " + ns + " route replace 10.100.0.1/32 dev nosuchdev table 200 "
                + "proto static: exit "), e.getMessage());
        assertTrue(e.getMessage().contains("Cannot find device \"nosuchdev\""), e.getMessage());
    }
}
