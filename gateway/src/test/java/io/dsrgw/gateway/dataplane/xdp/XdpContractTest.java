package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.FlowTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link XdpContract} against the C header it mirrors, {@code src/main/bpf/dsrgw_xdp.h}, parsed here: every
 * {@code #define} the Java side uses, every offset and size the header's {@code _Static_assert}s pin, and the counter
 * enum (index and metric name from each value's comment). Changing the header without the Java side fails here.
 */
class XdpContractTest {
    static String header;
    static final Map<String, Long> DEFINES = new HashMap<>();
    /** "struct.field" -> offset, "struct" -> size, from the _Static_asserts. */
    static final Map<String, Long> LAYOUT = new HashMap<>();

    @BeforeAll
    static void parse() throws Exception {
        header = Files.readString(Path.of("src/main/bpf/dsrgw_xdp.h"));
        Matcher d = Pattern.compile("(?m)^#define\\s+(DSRGW_\\w+)\\s+\\(?(0x[0-9a-fA-F]+|\\d+)u?(?:ULL)?\\)?\\s")
                .matcher(header);
        while (d.find()) {
            DEFINES.put(d.group(1), Long.decode(d.group(2)));
        }
        Matcher off = Pattern.compile("DSRGW_OFF\\((\\w+), (\\w+)\\) == (\\d+)").matcher(header);
        while (off.find()) {
            LAYOUT.put(off.group(1) + "." + off.group(2), Long.parseLong(off.group(3)));
        }
        Matcher size = Pattern.compile("sizeof\\(struct (\\w+)\\) == (\\d+)").matcher(header);
        while (size.find()) {
            LAYOUT.put(size.group(1), Long.parseLong(size.group(2)));
        }
    }

    static long define(String name) {
        Long v = DEFINES.get(name);
        assertTrue(v != null, "#define " + name + " in dsrgw_xdp.h");
        return v;
    }

    static long layout(String name) {
        Long v = LAYOUT.get(name);
        assertTrue(v != null, "_Static_assert of " + name + " in dsrgw_xdp.h");
        return v;
    }

    @Test
    void shouldHaveTheStructLayoutsTheHeaderAsserts() {
        assertEquals(layout("dsrgw_config"), XdpContract.CONFIG_SIZE);
        assertEquals(layout("dsrgw_config.timeout_ns"), XdpContract.CONFIG_TIMEOUT_NS);
        assertEquals(layout("dsrgw_config.ring_size"), XdpContract.CONFIG_RING_SIZE);
        assertEquals(layout("dsrgw_config.tunnel_mtu"), XdpContract.CONFIG_TUNNEL_MTU);
        assertEquals(layout("dsrgw_config.src_v6"), XdpContract.CONFIG_SRC_V6);
        assertEquals(layout("dsrgw_config.src_v4"), XdpContract.CONFIG_SRC_V4);
        assertEquals(layout("dsrgw_config.ttl"), XdpContract.CONFIG_TTL);
        assertEquals(layout("dsrgw_config.flags"), XdpContract.CONFIG_FLAGS);
        assertEquals(layout("dsrgw_vip_key"), XdpContract.VIP_KEY_SIZE);
        assertEquals(layout("dsrgw_vip_key.port"), XdpContract.VIP_KEY_PORT);
        assertEquals(layout("dsrgw_vip_key.protocol"), XdpContract.VIP_KEY_PROTOCOL);
        assertEquals(layout("dsrgw_vip_key.family"), XdpContract.VIP_KEY_FAMILY);
        assertEquals(layout("dsrgw_vip_value"), XdpContract.VIP_VALUE_SIZE);
        assertEquals(layout("dsrgw_vip_value.ring_id"), XdpContract.VIP_VALUE_RING_ID);
        assertEquals(layout("dsrgw_vip_value.flags"), XdpContract.VIP_VALUE_FLAGS);
        assertEquals(layout("dsrgw_backend"), XdpContract.BACKEND_SIZE);
        assertEquals(layout("dsrgw_backend.vip_id"), XdpContract.BACKEND_VIP_ID);
        assertEquals(layout("dsrgw_backend.gre_key"), XdpContract.BACKEND_GRE_KEY);
        assertEquals(layout("dsrgw_backend.state"), XdpContract.BACKEND_STATE);
        assertEquals(layout("dsrgw_backend.tunnel_kind"), XdpContract.BACKEND_TUNNEL_KIND);
        assertEquals(layout("dsrgw_backend.outer_family"), XdpContract.BACKEND_OUTER_FAMILY);
        assertEquals(layout("dsrgw_backend.flags"), XdpContract.BACKEND_FLAGS);
        assertEquals(layout("dsrgw_backend.gue_sports"), XdpContract.BACKEND_GUE_SPORTS);
        assertEquals(layout("dsrgw_backend.gue_port"), XdpContract.BACKEND_GUE_PORT);
        assertEquals(layout("dsrgw_flow_key"), XdpContract.FLOW_KEY_SIZE);
        assertEquals(FlowHash.CANONICAL_LENGTH, XdpContract.FLOW_KEY_SIZE);
        assertEquals(layout("dsrgw_flow_key.dst"), XdpContract.FLOW_KEY_DST);
        assertEquals(layout("dsrgw_flow_key.family"), XdpContract.FLOW_KEY_FAMILY);
        assertEquals(layout("dsrgw_flow_key.protocol"), XdpContract.FLOW_KEY_PROTOCOL);
        assertEquals(layout("dsrgw_flow_key.src_port"), XdpContract.FLOW_KEY_SRC_PORT);
        assertEquals(layout("dsrgw_flow_key.dst_port"), XdpContract.FLOW_KEY_DST_PORT);
        assertEquals(layout("dsrgw_flow_value"), XdpContract.FLOW_VALUE_SIZE);
        assertEquals(layout("dsrgw_flow_value.backend_id"), XdpContract.FLOW_VALUE_BACKEND_ID);
        assertEquals(layout("dsrgw_flow_value.timeout_class"), XdpContract.FLOW_VALUE_TIMEOUT_CLASS);
        assertEquals(layout("dsrgw_backend_stats"), XdpContract.BACKEND_STATS_SIZE);
        assertEquals(layout("dsrgw_backend_stats.bytes"), XdpContract.BACKEND_STATS_BYTES);
        assertEquals(0, XdpContract.BACKEND_STATS_PACKETS, "packets is the struct's first field");
    }

    @Test
    void shouldUseTheHeadersFlagsAndEnumValues() {
        assertEquals(define("DSRGW_CFG_F_SRC_V4"), XdpContract.CFG_F_SRC_V4);
        assertEquals(define("DSRGW_CFG_F_SRC_V6"), XdpContract.CFG_F_SRC_V6);
        assertEquals(define("DSRGW_VIP_F_STATELESS"), XdpContract.VIP_F_STATELESS);
        assertEquals(define("DSRGW_VIP_F_PASS_ALL"), XdpContract.VIP_F_PASS_ALL);
        assertEquals(define("DSRGW_BACKEND_F_GRE_KEY"), XdpContract.BACKEND_F_GRE_KEY);
        assertEquals(define("DSRGW_BACKEND_F_L2"), XdpContract.BACKEND_F_L2);
        assertEquals(define("DSRGW_BACKEND_NONE"), XdpContract.BACKEND_NONE & 0xffffffffL);
        assertEquals(define("DSRGW_COUNTER_SLOTS"), XdpContract.COUNTER_SLOTS);
        assertEquals(define("DSRGW_MAX_TX_PORTS_DEFAULT"), XdpContract.MAX_TX_PORTS);
        assertEquals(define("DSRGW_BACKEND_STATS_DEFAULT"), XdpContract.BACKEND_STATS_SLOTS);
        assertEquals(define("DSRGW_CLASSES"), XdpContract.CLASSES);
        // the Java enums whose ordinals the maps carry
        assertEquals(define("DSRGW_STATE_ACTIVE"), BackendState.ACTIVE.ordinal());
        assertEquals(define("DSRGW_STATE_DRAINING"), BackendState.DRAINING.ordinal());
        assertEquals(define("DSRGW_STATE_DOWN"), BackendState.DOWN.ordinal());
        for (TunnelKind k : TunnelKind.values()) {
            assertEquals(define("DSRGW_TUNNEL_" + k.name()), k.ordinal(), k.name());
        }
        assertEquals(define("DSRGW_CLASS_TCP_SYN"), FlowTable.CLASS_TCP_SYN);
        assertEquals(define("DSRGW_CLASS_TCP_ESTABLISHED"), FlowTable.CLASS_TCP_ESTABLISHED);
        assertEquals(define("DSRGW_CLASS_TCP_CLOSING"), FlowTable.CLASS_TCP_CLOSING);
        assertEquals(define("DSRGW_CLASS_UDP"), FlowTable.CLASS_UDP);
        assertEquals(define("DSRGW_CLASS_OTHER"), FlowTable.CLASS_OTHER);
    }

    @Test
    void shouldNameTheCountersAsTheHeadersEnumInIndexOrder() {
        Matcher e = Pattern.compile("DSRGW_CNT_(\\w+) = (\\d+),\\s*/\\* ([a-z0-9_]+):").matcher(header);
        List<String> names = new ArrayList<>();
        while (e.find()) {
            assertEquals(names.size(), Integer.parseInt(e.group(2)), "DSRGW_CNT_" + e.group(1) + " index");
            assertEquals(e.group(1).toLowerCase(java.util.Locale.ROOT), e.group(3), "metric name = enum name");
            names.add(e.group(3));
        }
        Matcher max = Pattern.compile("DSRGW_CNT_MAX = (\\d+)").matcher(header);
        assertTrue(max.find());
        assertEquals(Integer.parseInt(max.group(1)), names.size());
        assertEquals(names, XdpContract.COUNTER_NAMES);
    }

    @Test
    void shouldUseTheHeadersObjectProgramAndMapNames() {
        assertTrue(header.contains("Object file:   classpath resource " + XdpContract.OBJECT_RESOURCE));
        assertTrue(header.contains("Program:       \"" + XdpContract.PROGRAM + "\""));
        for (String map : List.of(XdpContract.MAP_CONFIG, XdpContract.MAP_VIPS, XdpContract.MAP_BACKENDS,
                XdpContract.MAP_RINGS, XdpContract.MAP_FLOWS, XdpContract.MAP_COUNTERS, XdpContract.MAP_TX_PORTS,
                XdpContract.MAP_SRC, XdpContract.MAP_BACKEND_STATS)) {
            assertTrue(header.contains("\"" + map + "\""), map);
        }
    }
}
