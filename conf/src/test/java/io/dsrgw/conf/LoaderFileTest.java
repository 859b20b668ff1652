package io.dsrgw.conf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files: missing, unreadable, syntax errors, includes, and several problems in one file. */
class LoaderFileTest {

    @TempDir
    Path dir;

    private static List<String> errors(ConfigException e) {
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void shouldNameAMissingFile() {
        Path f = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(f + ": no such file (expected: a readable HOCON configuration file)"), errors(e));
    }

    @Test
    void shouldNameADirectory() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadAgent(dir));
        assertEquals(List.of(dir + ": is a directory (expected: a readable HOCON configuration file)"), errors(e));
    }

    @Test
    void shouldReportASyntaxErrorWithFileAndLine() throws IOException {
        Path f = Files.writeString(dir.resolve("gw.conf"), "dsrgw.gateway {\n  ttl = 64\n  vips = [\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(1, e.errors().size());
        ConfigError err = e.errors().get(0);
        assertEquals(f.toString(), err.file());
        assertEquals(4, err.line());
        assertTrue(err.toString().startsWith(f + ":4: "), err.toString());
        assertTrue(err.toString().endsWith("(expected: valid HOCON)"), err.toString());
    }

    @Test
    void shouldHintAtQuotingForAnUnquotedIpv6Address() throws IOException {
        Path f = Files.writeString(dir.resolve("gw.conf"), "dsrgw.gateway {\n  tunnel-source.ipv6 = fd00::2\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(f + ":2: Expecting close brace } or a comma, got ':' "
            + "(expected: valid HOCON; IPv6 addresses must be quoted, e.g. \"fd00:3::11\")"), errors(e));
    }

    @Test
    void shouldReportASyntaxErrorInAStringWithTheOriginName() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> ConfigLoader.parseAgent("dsrgw.agent {", "inline.conf"));
        assertTrue(e.getMessage().startsWith("inline.conf:1: "), e.getMessage());
    }

    @Test
    void shouldLocateProblemsInAnIncludedFile() throws IOException {
        Files.writeString(dir.resolve("vips.conf"), "\n\nname = web\naddress = 10.100.0.1\nprotocol = sctp\n");
        Path f = Files.writeString(dir.resolve("gw.conf"), """
            dsrgw.gateway {
              tunnel-source.ipv4 = 10.0.2.2
              hash-seed = s
              vips = [{ include "vips.conf", ports = [80], backends = [] }]
            }
            """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(dir.resolve("vips.conf") + ":5 dsrgw.gateway.vips[0].protocol: \"sctp\" "
            + "(expected: tcp or udp)"), errors(e));
    }

    @Test
    void shouldReportAllFiveProblemsOfOneFile() throws IOException {
        Path f = Files.writeString(dir.resolve("five.conf"), """
            dsrgw.gateway {
              tunnel-source.ipv4 = 10.0.2.2
              hash-seed = s
              ttl = 300
              maglev-table-size = 100
              vips = [{
                name = web, address = 10.100.0.1, protocol = tcp, ports = [80]
                backends = [
                  { address = 10.0.3.11, weigth = 1 }
                  { address = 10.0.3.11 }
                  { address = 10.0.3.999 }
                ]
              }]
            }
            """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(
            f + ":4 dsrgw.gateway.ttl: 300 (expected: an integer 1..255)",
            f + ":5 dsrgw.gateway.maglev-table-size: 100 (expected: a prime number (next prime: 101))",
            f + ":9 dsrgw.gateway.vips[0].backends[0].weigth: unknown key (expected: did you mean weight?)",
            f + ":10 dsrgw.gateway.vips[0].backends[1].address: \"10.0.3.11\" (expected: a backend address not "
                + "already in this VIP; 10.0.3.11 is listed at " + f + ":9)",
            f + ":11 dsrgw.gateway.vips[0].backends[2].address: \"10.0.3.999\" (expected: an IPv4 or IPv6 address;"
                + " 999 is not an octet 0..255)"), errors(e));
        assertEquals(String.join("\n", errors(e)), e.getMessage());
    }

    @Test
    void shouldReadAFileWithAnyExtensionAsHocon() throws IOException {
        Path f = Files.writeString(dir.resolve("agent.cfg"),
            "dsrgw.agent { gateways = [10.0.2.2], vips = [10.100.0.1] }");
        assertEquals(1, assertDoesNotThrowConfig(f).vips().size());
    }

    private static AgentConfig assertDoesNotThrowConfig(Path f) {
        try {
            return ConfigLoader.loadAgent(f);
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------- issue 14: hostile files

    @Test
    void shouldReportDeeplyNestedBracesAsAFileAndLineErrorInsteadOfAStackOverflow() throws IOException {
        String deep = "a = " + "{ b = ".repeat(6000) + "1" + " }".repeat(6000) + "\n";
        Path f = Files.writeString(dir.resolve("deep.conf"), "dsrgw.gateway {\n  ttl = 64\n  " + deep + "}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(f + ":3: { or [ nested 65 deep (expected: at most " + ConfigLoader.MAX_NESTING
                + " nested objects and lists)"), errors(e));
        String list = "[".repeat(6000) + "]".repeat(6000);
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parseAgent("dsrgw.agent {\n x = " + list
                + "\n}\n", "string.conf"));
        assertEquals(List.of("string.conf:2: { or [ nested 65 deep (expected: at most 64 nested objects and lists)"),
                errors(e));
    }

    @Test
    void shouldReportDeepNestingInAnIncludedFileWithThatFilesName() throws IOException {
        Path deep = Files.writeString(dir.resolve("inner.conf"), "\nx = " + "{ b = ".repeat(6000) + "1"
                + " }".repeat(6000) + "\n");
        Path f = Files.writeString(dir.resolve("outer.conf"), "dsrgw.gateway {\n  include \"inner.conf\"\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(deep + ":2: { or [ nested 65 deep (expected: at most 64 nested objects and lists)"),
                errors(e));
    }

    @Test
    void shouldReportAnIncludeCycleAsAFileAndLineError() throws IOException {
        Path a = dir.resolve("a.conf");
        Path b = dir.resolve("b.conf");
        Files.writeString(a, "dsrgw.gateway {\n  ttl = 64\n}\ninclude \"b.conf\"\n");
        Files.writeString(b, "\ninclude \"a.conf\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(a));
        assertEquals(1, e.errors().size(), errors(e).toString());
        String error = errors(e).getFirst();
        assertTrue(error.startsWith(b + ":2: "), error);
        assertTrue(error.contains("include"), error);
    }

    @Test
    void shouldNameTheIncludingFileAndLineOfARequiredIncludeOfAMissingFile() throws IOException {
        Path f = Files.writeString(dir.resolve("main.conf"), "dsrgw.gateway {\n  ttl = 64\n"
                + "  include required(\"absent.conf\")\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadGateway(f));
        assertEquals(List.of(f + ":3: include required(\"absent.conf\"): " + dir.resolve("absent.conf")
                + ": no such file (expected: an existing, readable file)"), errors(e));
    }
}
