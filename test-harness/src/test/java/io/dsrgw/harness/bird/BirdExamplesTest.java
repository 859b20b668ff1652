package io.dsrgw.harness.bird;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.harness.netns.Commands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped BIRD configurations (examples/bird/) parse with the installed BIRD 2 ({@code bird -p}), and the gateway
 * one's VIP prefix sets cover every VIP of examples/gateway.conf (its optional VIPs included), so the export filter
 * lets them out.
 */
class BirdExamplesTest {
    /** Maven runs tests in the module directory; examples/ is a sibling of test-harness/. */
    static final Path EXAMPLES = Path.of(System.getProperty("basedir", ".")).resolve("../examples").normalize();
    static final Path BIRD = Path.of("/usr/sbin/bird");

    @TempDir
    Path dir;

    private static Commands.Result parse(Path file) throws Exception {
        return Commands.run(List.of(BIRD.toString(), "-p", "-c", file.toString()));
    }

    private static void assumeBird() {
        assumeTrue(Files.isExecutable(BIRD), "BIRD 2 not installed at " + BIRD + " (Debian package bird2; "
                + "scripts/lib.sh installs it): cannot check the example configurations");
    }

    @Test
    void shouldParseTheGatewayAndTheRouterExample() throws Exception {
        assumeBird();
        for (String name : new String[] {"gateway.conf", "router.conf"}) {
            Commands.Result r = parse(EXAMPLES.resolve("bird").resolve(name));
            assertEquals(0, r.exitCode(), name + ": " + r.stdout() + r.stderr());
        }
    }

    @Test
    void shouldRejectABrokenCopySoThatTheCheckCanFail() throws Exception {
        assumeBird();
        Path broken = dir.resolve("gateway.conf");
        Files.writeString(broken, Files.readString(EXAMPLES.resolve("bird/gateway.conf")).replace("learn;",
                "learnx;"));
        Commands.Result r = parse(broken);
        assertEquals(1, r.exitCode());
        assertTrue((r.stdout() + r.stderr()).contains("syntax error"), r.stdout() + r.stderr());
    }

    @Test
    void shouldLetEveryExampleVipThroughTheGatewaysExportFilter() throws Exception {
        String bird = Files.readString(EXAMPLES.resolve("bird/gateway.conf"));
        // Enable the optional "#~" lines too: every VIP the example can have must be covered.
        String hocon = Files.readString(EXAMPLES.resolve("gateway.conf")).replaceAll("(?m)^(\\s*)#~ ?", "$1");
        GatewayConfig config = ConfigLoader.parseGateway(hocon, "examples/gateway.conf");
        assertTrue(config.announce().enabled(), "the example's optional announce block sets a table");
        assertTrue(bird.contains("kernel table " + config.announce().table() + ";"),
                "BIRD learns the table the gateway writes");
        for (VipConfig v : config.vips()) {
            String set = v.isIpv4() ? "VIPS4" : "VIPS6";
            Matcher m = Pattern.compile("define " + set + " = \\[ ([0-9a-f.:]+)/(\\d+)\\{(\\d+),(\\d+)\\} \\];")
                    .matcher(bird);
            assertTrue(m.find(), set + " in examples/bird/gateway.conf");
            int host = v.isIpv4() ? 32 : 128;
            assertEquals(host + "," + host, m.group(3) + "," + m.group(4), "host routes only");
            assertTrue(within(v.address(), InetAddress.ofLiteral(m.group(1)), Integer.parseInt(m.group(2))),
                    v.name() + " " + v.address() + " is outside " + set + " " + m.group(1) + "/" + m.group(2));
        }
    }

    private static boolean within(InetAddress a, InetAddress network, int length) {
        byte[] x = a.getAddress();
        byte[] n = network.getAddress();
        if (x.length != n.length) {
            return false;
        }
        for (int bit = 0; bit < length; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((x[bit / 8] & mask) != (n[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
