package io.dsrgw.gateway.service;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GatewayServiceTest {
    private static final long MS = 1_000_000L;

    @Test
    void theWatchdogPingsOnlyWhileEveryWorkersHeartbeatIsFresh() {
        long now = 10_000 * MS;
        List<LongSupplier> fresh = List.of(() -> now - 100 * MS, () -> now - 499 * MS);
        assertNull(GatewayService.stuckWorker(fresh, now, 500 * MS));
        List<LongSupplier> oneStuck = List.of(() -> now - 100 * MS, () -> now - 501 * MS);
        assertEquals("worker 1 made no progress for 501 ms (expected: at most 500 ms)",
                GatewayService.stuckWorker(oneStuck, now, 500 * MS));
        assertEquals("worker 0 has not started a batch",
                GatewayService.stuckWorker(List.of(() -> 0L), now, 500 * MS));
    }
}
