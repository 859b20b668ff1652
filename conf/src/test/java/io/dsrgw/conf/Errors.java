package io.dsrgw.conf;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test helpers: run the loader on a string and look at the rendered errors. */
final class Errors {

    static final String FILE = "t.conf";

    private Errors() {
    }

    static List<String> gateway(String hocon) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseGateway(hocon, FILE));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    static List<String> agent(String hocon) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseAgent(hocon, FILE));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    /** Asserts that the gateway config has exactly this one problem. */
    static void gatewayFails(String hocon, String expectedError) {
        assertEquals(List.of(expectedError), gateway(hocon));
    }

    static void agentFails(String hocon, String expectedError) {
        assertEquals(List.of(expectedError), agent(hocon));
    }

    /**
     * A valid gateway config, one key per line so that tests can point at lines; {@code extra} is inserted
     * as line 5 inside dsrgw.gateway, {@code vip} and {@code backend} are inserted into the VIP (line 7) and
     * its first backend (line 8).
     */
    static String gw(String extra, String vip, String backend) {
        return "dsrgw.gateway {\n"                                                          // 1
            + "  tunnel-source { ipv4 = 10.0.2.2 }\n"                                      // 2
            + "  hash-seed = \"seed\"\n"                                                   // 3
            + "  maglev-table-size = 65537\n"                                              // 4
            + "  " + extra + "\n"                                                          // 5
            + "  vips = [{\n"                                                              // 6
            + "    name = web, address = 10.100.0.1, protocol = tcp, ports = [80] " + vip + "\n" // 7
            + "    backends = [{ address = 10.0.3.11 " + backend + "}, { address = 10.0.3.12 }]\n" // 8
            + "  }]\n"                                                                     // 9
            + "}\n";
    }

    static String gwExtra(String extra) {
        return gw(extra, "", "");
    }

    static String gwVip(String vip) {
        return gw("", vip, "");
    }

    static String gwBackend(String backend) {
        return gw("", "", backend);
    }

    /** A valid agent config; {@code extra} is line 4 inside dsrgw.agent. */
    static String ag(String extra) {
        return "dsrgw.agent {\n"                 // 1
            + "  gateways = [10.0.2.2]\n"        // 2
            + "  vips = [10.100.0.1]\n"          // 3
            + "  " + extra + "\n"                // 4
            + "}\n";
    }
}
