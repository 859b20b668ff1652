package io.dsrgw.gateway.admin;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.ProbeRunner;
import io.dsrgw.gateway.health.HealthState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Coverage-guided fuzzing of the admin socket's line protocol ({@link AdminSocketServer#handleLine}, JSON parsing
 * and {@link AdminCommands}) against a real control plane: any line gets exactly one reply, never an exception;
 * the reply is one JSON line that reads back as the same reply; a line that parses as JSON writes back to JSON that
 * parses to the same value.
 *
 * <p>{@code mvn test} runs the saved inputs ({@code AdminLineFuzzTestInputs/line/}); {@code scripts/fuzz} fuzzes.
 */
class AdminLineFuzzTest {
    static Path dir;
    static GatewayControl control;
    static AdminCommands admin;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("dsrgw-admin-fuzz");
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "dsrgw.gateway {\n tunnel-source { ipv4 = 10.0.2.2 }\n hash-seed = \"s\"\n"
                + " vips = [{ name = web, address = 10.100.0.1, protocol = tcp, ports = [80, 443],\n"
                + "   backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11, weight = 50 }] },\n"
                + "  { name = dns6, address = \"fd00:100::1\", protocol = udp, ports = [53],\n"
                + "   backends = [{ address = 10.0.3.12 }] }]\n}\n");
        control = new GatewayControl(file, ConfigLoader.loadGateway(file), Duration.ZERO, System::nanoTime,
                new HealthState(), ProbeRunner.NONE);
        admin = new AdminCommands(control, new MetricRegistry(), () -> 1000);
    }

    @AfterAll
    static void stop() throws Exception {
        if (control != null) {
            control.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void line(byte[] data) {
        // the server's decoder: UTF-8 lines of at most 64 KiB, without the newline
        String line = new String(data, StandardCharsets.UTF_8).replace("\n", "");
        AdminReply reply = AdminSocketServer.handleLine(admin, line, "fuzz", false, Path.of("/fuzz.sock"));
        check(reply != null, "no reply to " + line);
        String json = reply.toJson();
        check(json.indexOf('\n') < 0, "reply spans lines: " + json);
        AdminReply back = AdminReply.fromJson(json);
        check(back.ok() == reply.ok() && Objects.equals(back.ok() ? back.output() : back.error(),
                reply.ok() ? reply.output() : reply.error()), "reply does not read back: " + json);
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (IllegalArgumentException e) {
            return;
        }
        String written = Json.write(parsed);
        check(Objects.equals(Json.parse(written), parsed), "JSON round trip changed " + line + " into " + written);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
