package io.dsrgw.agent.plan;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the agent's parsers of {@code ip -j} ({@link IpJson}) and {@code nft -j}
 * ({@link NftJson}) output: byte 0 picks the parser, the rest is the command's output. Whatever a (future, buggy or
 * hostile) iproute2 or nftables prints, a parser returns a result or throws an {@link IOException} whose message
 * starts with the command; no other exception (a NullPointerException, NumberFormatException or ClassCastException
 * would escape the reconciler's error handling).
 *
 * <p>{@code mvn test} runs the saved inputs ({@code HostJsonFuzzTestInputs/hostJson/}).
 */
class HostJsonFuzzTest {
    static final String COMMAND = "fuzzed-command";

    @FuzzTest(maxDuration = "10m")
    void hostJson(byte[] data) {
        if (data.length == 0) {
            return;
        }
        String json = new String(Arrays.copyOfRange(data, 1, data.length), StandardCharsets.UTF_8);
        try {
            Object result = switch ((data[0] & 0xff) % 6) {
                case 0 -> IpJson.parseLinks(json, COMMAND);
                case 1 -> IpJson.parseAddresses(json, COMMAND);
                case 2 -> IpJson.parseRoutePrefsrc(json, COMMAND);
                case 3 -> NftJson.hasTable(json, COMMAND, "inet", "dsrgw");
                case 4 -> NftJson.parseTable(json, COMMAND);
                default -> NftJson.counterPackets(json, COMMAND);
            };
            check(result != null || (data[0] & 0xff) % 6 == 2, "null result");
        } catch (IOException e) {
            check(e.getMessage() != null && e.getMessage().startsWith(COMMAND), "error does not name the command: "
                    + e.getMessage());
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
