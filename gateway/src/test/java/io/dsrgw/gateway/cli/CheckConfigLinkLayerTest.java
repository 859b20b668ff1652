package io.dsrgw.gateway.cli;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.control.LinkLayerBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dsr-gateway check-config} with L2 DSR backends against a faked host (the set of addresses it reaches on a
 * connected network): an off-link {@code tunnel = none} backend fails the check, naming the file, the VIP, the
 * backend and the fix. The kernel's own answer ({@code NextHopLookup.notOnLinkReason}) is tested in namespaces by
 * the linux module's NextHopLookupNamespaceTest.
 */
class CheckConfigLinkLayerTest {
    private static final String CONFIG = """
            dsrgw.gateway {
              hash-seed = s
              vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80], tunnel = none
                        backends = [{ address = 10.0.3.11 }, { address = 192.0.2.77 }] }]
            }
            """;

    @TempDir
    Path dir;

    private int check(LinkLayerBackends.OnLink host, ByteArrayOutputStream err) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, CONFIG);
        GatewayConfig config = ConfigLoader.loadGateway(file);
        return CheckConfigCommand.check(file.toString(), file, config, host,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void anOffLinkL2BackendFailsTheCheckAndOnLinkOnesPass() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Set<String> connected = Set.of("10.0.3.11");
        int code = check(a -> connected.contains(a.getHostAddress()) ? null : "no route to it (ENETUNREACH)", err);
        assertEquals(GatewayMain.EXIT_ERROR, code);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("gateway.conf: vip web: backend 192.0.2.77: tunnel = none (L2 DSR) needs a backend on "
                + "a network this gateway is directly connected to, but no route to it (ENETUNREACH)"), text);
        assertTrue(!text.contains("10.0.3.11"), text);
        ByteArrayOutputStream ok = new ByteArrayOutputStream();
        assertEquals(0, check(a -> null, ok), ok.toString(StandardCharsets.UTF_8));
    }
}
