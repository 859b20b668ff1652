package io.dsrgw.conf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The check-config commands, with captured output streams. */
class CheckConfigTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintOkWithCountsForAValidGatewayFile() throws IOException {
        Path f = Files.writeString(dir.resolve("gw.conf"), Errors.gw("", "", ""));
        assertEquals(0, CheckConfig.checkGateway(f, out, err));
        assertEquals("OK: " + f + " (1 vips, 2 backends)\n", out());
        assertEquals("", err());
    }

    @Test
    void shouldPrintEveryErrorAndACountForAnInvalidGatewayFile() throws IOException {
        Path f = Files.writeString(dir.resolve("gw.conf"), Errors.gwExtra("ttl = 0, batch-size = 0"));
        assertEquals(1, CheckConfig.checkGateway(f, out, err));
        assertEquals("", out());
        assertEquals(f + ":5 dsrgw.gateway.ttl: 0 (expected: an integer 1..255)\n"
            + f + ":5 dsrgw.gateway.batch-size: 0 (expected: an integer 1..1024)\n"
            + f + ": 2 errors\n", err());
    }

    @Test
    void shouldRejectAGatewayFileWhoseAdminSocketPathRunCouldNotBind() throws IOException {
        // The case of issue 10: the socket under a deep checkout directory; check-config used to answer OK.
        String socket = "/" + "checkout-directory/".repeat(6) + "gateway.sock";
        Path f = Files.writeString(dir.resolve("gw.conf"), Errors.gwExtra("admin.socket = \"" + socket + "\""));
        assertEquals(1, CheckConfig.checkGateway(f, out, err));
        assertEquals("", out());
        assertEquals(f + ":5 dsrgw.gateway.admin.socket: \"" + socket + "\" is 127 bytes "
            + "(expected: a unix socket path of at most 107 bytes)\n" + f + ": 1 error\n", err());
    }

    @Test
    void shouldPrintOkWithCountsForAValidAgentFile() throws IOException {
        Path f = Files.writeString(dir.resolve("agent.conf"), Errors.ag(""));
        assertEquals(0, CheckConfig.checkAgent(f, out, err));
        assertEquals("OK: " + f + " (1 vips, 1 gateways)\n", out());
        assertEquals("", err());
    }

    @Test
    void shouldFailForAMissingAgentFile() {
        Path f = dir.resolve("missing.conf");
        assertEquals(1, CheckConfig.checkAgent(f, out, err));
        assertEquals(f + ": no such file (expected: a readable HOCON configuration file)\n" + f + ": 1 error\n",
            err());
    }

    @Test
    void shouldReturnTwoWithUsageWhenNoFileIsGiven() {
        assertEquals(2, CheckConfig.checkGateway(null, out, err));
        assertEquals("usage: dsr-gateway check-config FILE\n", err());
        assertEquals(2, CheckConfig.checkAgent(null, out, err));
        assertEquals("", out());
    }
}
