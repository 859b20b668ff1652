package io.dsrgw.harness.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;

/**
 * The traffic tools across the plain routed topology (no dsrgw): client to a backend's own addresses, IPv4 and
 * IPv6, so that a failure of the tunnel matrix can be told apart from a broken tool.
 */
@Tag("netns")
class TrafficIT {
    @TempDir
    Path tmp;

    @Test
    void shouldUploadEchoFragmentedDatagramsAndPingOverBothFamilies() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("curl");
        NetnsAssumptions.assumeTool("ping");
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        Path file = tmp.resolve("up.bin");
        try (OutputStream out = Files.newOutputStream(file)) {
            Blob.write(1_000_003, out);
        }
        try (Topology t = Topology.builder().backends(1).build()) {
            Backend b = t.backends().get(0);
            try (ManagedProcess servers = ManagedProcess.start("servers", b.namespace(), List.of(java, "-cp", cp,
                    BackendHttpServer.class.getName(), "--name", b.name(), "--listen", "[::]:80",
                    "--udp-echo", b.address() + ":7", "--udp-echo", "[" + b.address6() + "]:7"),
                    tmp.resolve("servers.log"), Map.of())) {
                servers.awaitLine(Pattern.compile(Pattern.quote(BackendHttpServer.READY_PREFIX)),
                        Duration.ofSeconds(30));
                for (String address : List.of(b.address(), b.address6())) {
                    Curl.Upload u = Curl.upload(t.client(), Curl.url(address, 80, BackendHttpServer.UPLOAD_PATH), file,
                            Duration.ofSeconds(20));
                    assertTrue(u.intact(), address + ": " + u.describe());
                    assertEquals(b.name(), u.backend());
                    UdpProbe.Result r = UdpProbe.run(t.client(), java, cp, address, 7, 4000, 3, Duration.ofSeconds(1));
                    assertTrue(r.ok(), address + ":\n" + r.output());
                    assertEquals(1, r.attempts(), address + ": no loss on a plain path\n" + r.output());
                    assertEquals(4000, r.bytes());
                    Ping.Result p = Ping.ping(t.client(), address, 2, 56, Duration.ofMillis(200),
                            Duration.ofSeconds(2));
                    assertTrue(p.allAnswered(), address + ": " + p.describe() + "\n" + p.output());
                }
                UdpProbe.Result none = UdpProbe.run(t.client(), java, cp, "10.0.3.99", 7, 100, 2,
                        Duration.ofMillis(300));
                assertEquals(false, none.ok(), none.output());
                assertEquals(2, none.attempts(), none.output());
            }
        }
    }
}
