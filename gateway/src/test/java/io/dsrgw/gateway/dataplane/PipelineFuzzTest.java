package io.dsrgw.gateway.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the whole Java data plane ({@link PacketPipeline}): one fuzz byte picks a
 * {@link FuzzModel.Profile} (tunnel kinds, echo mode, tunnel-mtu, GRE key/checksum, flow table or pure Maglev), the
 * rest is the packet. Every outcome must satisfy {@link FuzzModel#check}: no exception, counters that add up, outputs
 * only to configured backends with the inner packet unchanged, or well-formed ICMP to the client.
 *
 * <p>{@code mvn test} runs the saved inputs ({@code PipelineFuzzTestInputs/pipeline/}, regression mode);
 * {@code scripts/fuzz PipelineFuzzTest} fuzzes.
 */
class PipelineFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void pipeline(byte[] data) {
        if (data.length == 0) {
            return;
        }
        // byte 0: the profile; the rest: the packet (raw bytes, so that saved inputs read as packets)
        FuzzModel.Profile profile = FuzzModel.Profile.of(data[0]);
        byte[] packet = java.util.Arrays.copyOfRange(data, 1, data.length);
        FuzzModel.JavaRun run = FuzzModel.run(profile, packet);
        FuzzModel.check(profile, packet, run);
    }

    @AfterAll
    static void report() {
        if (!FuzzModel.TOLERATED_COUNTS.isEmpty()) {
            System.out.println("PipelineFuzzTest: tolerated (known, -Ddsrgw.fuzz.tolerate): "
                    + FuzzModel.TOLERATED_COUNTS);
        }
    }
}
