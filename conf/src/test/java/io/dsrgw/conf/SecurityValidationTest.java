package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gwExtra;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 14: {@code security.deny-sources}, the extra source prefixes the gateway drops. */
class SecurityValidationTest {
    private static final String RULE = "a source prefix \"ADDRESS/LENGTH\" (IPv4 /1../32, IPv6 /1../128, host bits"
        + " zero) or an address, e.g. \"198.51.100.0/24\" or \"2001:db8:bad::/48\"";

    @Test
    void shouldDefaultToNoExtraPrefixes() throws ConfigException {
        assertEquals(List.of(), ConfigLoader.parseGateway(gwExtra(""), "t.conf").security().denySources());
    }

    @Test
    void shouldReadPrefixesOfBothFamiliesAndSingleAddresses() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra(
            "security.deny-sources = [\"198.51.100.0/24\", \"2001:db8:bad::/48\", \"192.0.2.7\"]"), "t.conf");
        assertEquals(List.of("198.51.100.0/24", "2001:db8:bad::/48", "192.0.2.7/32"),
            c.security().denySources().stream().map(SourcePrefix::toString).toList());
    }

    @Test
    void shouldRejectHostBitsWithTheNetworkItMeant() {
        gatewayFails(gwExtra("security.deny-sources = [\"198.51.100.1/24\"]"),
            "t.conf:5 dsrgw.gateway.security.deny-sources[0]: \"198.51.100.1/24\" (expected: " + RULE
                + "; host bits are set, did you mean \"198.51.100.0/24\"?)");
    }

    @Test
    void shouldRejectBadLengthsAddressesTypesAndDuplicates() {
        gatewayFails(gwExtra("security.deny-sources = [\"0.0.0.0/0\"]"),
            "t.conf:5 dsrgw.gateway.security.deny-sources[0]: \"0.0.0.0/0\" (expected: " + RULE
                + "; the length must be 1..32 (/0 would drop every client))");
        gatewayFails(gwExtra("security.deny-sources = [\"2001:db8::/129\"]"),
            "t.conf:5 dsrgw.gateway.security.deny-sources[0]: \"2001:db8::/129\" (expected: " + RULE
                + "; the length must be 1..128 (/0 would drop every client))");
        assertEquals(1, gateway(gwExtra("security.deny-sources = [\"198.51.300.0/24\"]")).size());
        gatewayFails(gwExtra("security.deny-sources = [42]"),
            "t.conf:5 dsrgw.gateway.security.deny-sources[0]: 42 (expected: " + RULE + ")");
        gatewayFails(gwExtra("security.deny-sources = \"198.51.100.0/24\""),
            "t.conf:5 dsrgw.gateway.security.deny-sources: \"198.51.100.0/24\" (expected: a list of " + RULE + ")");
        gatewayFails(gwExtra("security.deny-sources = [\"198.51.100.0/24\", \"198.51.100.0/24\"]"),
            "t.conf:5 dsrgw.gateway.security.deny-sources[1]: \"198.51.100.0/24\" (expected: unique prefixes;"
                + " 198.51.100.0/24 is already listed at t.conf:5)");
        gatewayFails(gwExtra("security { deny = [] }"),
            "t.conf:5 dsrgw.gateway.security.deny: unknown key (expected: the only key here is deny-sources)");
    }

    @Test
    void shouldReadTheAgentsStatusClientsDefaultingToLoopbackOnly() throws ConfigException {
        String base = "dsrgw.agent {\n  gateways = [10.0.2.2]\n  vips = [10.100.0.1]\n  health {\n%s\n  }\n}\n";
        assertEquals(List.of(), ConfigLoader.parseAgent(base.formatted(""), "t.conf").statusClients());
        assertEquals(List.of("10.0.9.0/24", "fd00:9::/64"), ConfigLoader.parseAgent(base.formatted(
            "    status-clients = [\"10.0.9.0/24\", \"fd00:9::/64\"]"), "t.conf").statusClients().stream()
            .map(SourcePrefix::toString).toList());
        assertEquals(List.of("t.conf:5 dsrgw.agent.health.status-clients[0]: \"10.0.9.1/24\" (expected: " + RULE
            + "; host bits are set, did you mean \"10.0.9.0/24\"?)"), Errors.agent(base.formatted(
            "    status-clients = [\"10.0.9.1/24\"]")));
    }
}
