package io.dsrgw.conf;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the HOCON loader and the validators: byte 0 picks the gateway or the agent section,
 * the rest is the configuration text. Any text either gives a configuration or a {@link ConfigException} listing
 * at least one {@code file:line path: value} problem in the named file; nothing else may escape (no runtime
 * exception from a validator, no {@code StackOverflowError} from deep nesting: issue 14).
 *
 * <p>{@code mvn test} runs the saved inputs ({@code ConfigLoaderFuzzTestInputs/config/}); {@code scripts/fuzz}
 * fuzzes.
 */
class ConfigLoaderFuzzTest {
    static final String ORIGIN = "fuzz.conf";

    @FuzzTest(maxDuration = "10m")
    void config(byte[] data) {
        if (data.length == 0) {
            return;
        }
        boolean agent = (data[0] & 1) != 0;
        String text = new String(Arrays.copyOfRange(data, 1, data.length), StandardCharsets.UTF_8);
        try {
            Object config = agent ? ConfigLoader.parseAgent(text, ORIGIN) : ConfigLoader.parseGateway(text, ORIGIN);
            check(config != null, "no configuration and no error");
        } catch (ConfigException e) {
            check(!e.errors().isEmpty(), "a ConfigException without errors");
            for (ConfigError error : e.errors()) {
                check(!error.file().isEmpty() && !error.value().isEmpty(), "error without file or value: " + error);
                check(error.toString().startsWith(error.file()), "error not starting with its file: " + error);
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
