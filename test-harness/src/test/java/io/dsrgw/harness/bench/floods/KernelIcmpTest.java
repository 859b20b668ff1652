package io.dsrgw.harness.bench.floods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

class KernelIcmpTest {
    private static final String SNMP = """
            Ip: Forwarding DefaultTTL
            Ip: 1 64
            Icmp: InMsgs InErrors OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutEchoReps
            Icmp: 451 238 449 0 %d 7 %d 84
            IcmpMsg: InType0 OutType3
            IcmpMsg: 84 365
            """;

    @Test
    void onlyTheOutgoingIcmpCountersAreReadByName() {
        Map<String, Long> m = KernelIcmp.parse(SNMP.formatted(5, 365));
        assertEquals(Map.of("OutMsgs", 449L, "OutErrors", 0L, "OutRateLimitGlobal", 5L, "OutRateLimitHost", 7L,
                "OutDestUnreachs", 365L, "OutEchoReps", 84L), m);
    }

    @Test
    void deltasNameWhatWasSentAndWhatTheRateLimitHeldBack() {
        Map<String, Long> d = KernelIcmp.minus(KernelIcmp.parse(SNMP.formatted(1005, 1365)),
                KernelIcmp.parse(SNMP.formatted(5, 365)));
        assertEquals("OutDestUnreachs 1000, rate-limited 1000", KernelIcmp.describe(d));
        assertEquals("-", KernelIcmp.describe(KernelIcmp.minus(d, d)));
    }

    @Test
    void aFileWithoutIcmpLinesOrWithMismatchedColumnsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> KernelIcmp.parse("Ip: a\nIp: 1\n"));
        assertThrows(IllegalArgumentException.class, () -> KernelIcmp.parse("Icmp: A B\nIcmp: 1\n"));
    }
}
