package io.dsrgw.gateway.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What can be checked without creating devices; `run` itself is verified in namespaces (test-harness). */
class TunIngressTest {
    @Test
    void shouldNeverAdoptAnExistingDevice() {
        IOException e = assertThrows(IOException.class, () -> TunIngress.open("lo", 1, 1480, List.of("10.100.0.1")));
        assertEquals("device lo already exists (expected: a name not in use; is another dsr-gateway running? the "
                + "gateway never adopts an existing device)", e.getMessage());
    }

    @Test
    void shouldReportTheFailingIpCommandWithItsExitStatusAndStderr() {
        IOException e = assertThrows(IOException.class,
                () -> IpCommand.run("link", "show", "dev", "dsrnosuchdev0"));
        assertEquals("ip link show dev dsrnosuchdev0: exit 1: Device \"dsrnosuchdev0\" does not exist.",
                e.getMessage());
    }

    @Test
    void shouldSizeTheTunForTheSmallestOverheadSoThePipelineSendsTheExactTooBig() {
        // 1480: packets up to 1480 reach the pipeline, which knows each backend's kind (GRE 24..32, IPv6 40..52)
        assertEquals(1480, TunIngress.mtuFor(1500));
        assertEquals(9000 - 20, TunIngress.mtuFor(9000));
    }

    @Test
    void shouldReturnTheOutputOfASuccessfulIpCommand() throws IOException {
        assertEquals(true, IpCommand.run("-o", "link", "show", "dev", "lo").contains("lo:"));
    }
}
