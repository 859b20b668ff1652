package io.dsrgw.gateway.dataplane.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The Java mirror of THE MAP CONTRACT {@code gateway/src/main/bpf/dsrgw_xdp.h}: object, program and map names,
 * struct sizes and byte offsets, flags and counter names. {@code XdpContractTest} parses the header and checks every
 * constant here against it, so the two cannot drift silently.
 *
 * <p>Byte order (contract "byte order"): addresses and ports in network order ({@link #BE_INT}, {@link #BE_LONG},
 * {@link #BE_SHORT}), every other integer in host order ({@link ValueLayout#JAVA_INT} etc.).
 */
final class XdpContract {
    /** Classpath resource of the compiled program. */
    static final String OBJECT_RESOURCE = "/io/dsrgw/gateway/xdp/dsrgw_xdp.o";
    static final String OBJECT_NAME = "dsrgw_xdp";
    static final String PROGRAM = "dsrgw_xdp";

    static final String MAP_CONFIG = "dsrgw_config";
    static final String MAP_VIPS = "dsrgw_vips";
    static final String MAP_BACKENDS = "dsrgw_backends";
    static final String MAP_RINGS = "dsrgw_rings";
    static final String MAP_FLOWS = "dsrgw_flows";
    static final String MAP_COUNTERS = "dsrgw_counters";
    static final String MAP_TX_PORTS = "dsrgw_tx_ports";
    static final String MAP_SRC = "dsrgw_src";
    static final String MAP_BACKEND_STATS = "dsrgw_backend_stats";

    // struct dsrgw_src_key (issue 14): LPM trie key, prefixlen = 8 + prefix length, family, address from byte 5
    static final int SRC_KEY_SIZE = 24;
    static final int SRC_KEY_PREFIXLEN = 0;
    static final int SRC_KEY_FAMILY = 4;
    static final int SRC_KEY_ADDR = 5;
    static final int SRC_VALUE_SIZE = 4;

    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    // struct dsrgw_config (88 bytes)
    static final int CONFIG_SIZE = 88;
    static final int CONFIG_HASH_K0 = 0;
    static final int CONFIG_HASH_K1 = 8;
    static final int CONFIG_TIMEOUT_NS = 16;
    static final int CONFIG_RING_SIZE = 56;
    static final int CONFIG_TUNNEL_MTU = 60;
    static final int CONFIG_SRC_V6 = 64;
    static final int CONFIG_SRC_V4 = 80;
    static final int CONFIG_TTL = 84;
    static final int CONFIG_FLAGS = 85;
    static final int CFG_F_SRC_V4 = 0x01;
    static final int CFG_F_SRC_V6 = 0x02;

    // timeout classes (= FlowTable.CLASS_*)
    static final int CLASSES = 5;

    // struct dsrgw_vip_key (20 bytes) / struct dsrgw_vip_value (16 bytes)
    static final int VIP_KEY_SIZE = 20;
    static final int VIP_KEY_ADDR = 0;
    static final int VIP_KEY_PORT = 16;
    static final int VIP_KEY_PROTOCOL = 18;
    static final int VIP_KEY_FAMILY = 19;
    static final int VIP_VALUE_SIZE = 16;
    static final int VIP_VALUE_VIP_ID = 0;
    static final int VIP_VALUE_RING_ID = 4;
    static final int VIP_VALUE_FLAGS = 8;
    static final int VIP_F_STATELESS = 0x1;
    static final int VIP_F_PASS_ALL = 0x2;

    // struct dsrgw_backend (32 bytes), key __u32 stable backend id
    static final int BACKEND_SIZE = 32;
    static final int BACKEND_ADDR = 0;
    static final int BACKEND_VIP_ID = 16;
    static final int BACKEND_GRE_KEY = 20;
    /** GUE kinds: the same 4 bytes as gre_key hold first source port | count << 16 (host order). */
    static final int BACKEND_GUE_SPORTS = 20;
    /** GUE kinds: UDP destination port, network order. */
    static final int BACKEND_GUE_PORT = 28;
    static final int BACKEND_STATE = 24;
    static final int BACKEND_TUNNEL_KIND = 25;
    static final int BACKEND_OUTER_FAMILY = 26;
    static final int BACKEND_FLAGS = 27;
    static final int BACKEND_F_GRE_KEY = 0x01;
    /** L2 DSR (TunnelKind.NONE): no encapsulation, a frame to the backend's MAC (dsrgw_xdp.h DSRGW_BACKEND_F_L2). */
    static final int BACKEND_F_L2 = 0x02;

    // struct dsrgw_backend_stats (16 bytes per CPU), per-CPU array keyed by the stable backend id
    static final int BACKEND_STATS_SIZE = 16;
    static final int BACKEND_STATS_PACKETS = 0;
    static final int BACKEND_STATS_BYTES = 8;
    /** Entries of dsrgw_backend_stats: stable ids {@code 0..BACKEND_STATS_SLOTS-1} are counted by the program. */
    static final int BACKEND_STATS_SLOTS = 16384;

    /** A ring slot without a backend ({@code DSRGW_BACKEND_NONE}). */
    static final int BACKEND_NONE = 0xffffffff;

    // struct dsrgw_flow_key (40 bytes = FlowHash.CANONICAL_LENGTH) / struct dsrgw_flow_value (16 bytes)
    static final int FLOW_KEY_SIZE = 40;
    static final int FLOW_KEY_SRC = 0;
    static final int FLOW_KEY_DST = 16;
    static final int FLOW_KEY_FAMILY = 32;
    static final int FLOW_KEY_PROTOCOL = 33;
    static final int FLOW_KEY_SRC_PORT = 34;
    static final int FLOW_KEY_DST_PORT = 36;
    static final int FLOW_VALUE_SIZE = 16;
    static final int FLOW_VALUE_LAST_SEEN_NS = 0;
    static final int FLOW_VALUE_BACKEND_ID = 8;
    static final int FLOW_VALUE_TIMEOUT_CLASS = 12;

    /** Entries of dsrgw_counters (the per-CPU array; indices beyond {@link #COUNTER_NAMES} read 0). */
    static final int COUNTER_SLOTS = 64;
    /** Default capacity of dsrgw_tx_ports (= the config's at most 64 ingress.xdp.interfaces). */
    static final int MAX_TX_PORTS = 64;

    /**
     * The counters of {@code enum dsrgw_counter} by index: the metric suffix of each (the comment after each enum
     * value in the header). Append-only, as the enum.
     */
    static final List<String> COUNTER_NAMES = List.of(
            "rx", "tx", "redirect",
            "pass_not_configured", "pass_non_ip", "pass_malformed", "pass_ip_options", "pass_ipv6_ext_header",
            "pass_fragment", "pass_icmp", "pass_other_proto", "pass_not_vip", "pass_vip_slow_path",
            "pass_no_backend", "pass_bad_backend", "pass_too_big", "pass_fib_no_neigh", "pass_fib_frag_needed",
            "pass_fib_fwd_disabled", "pass_fib_other", "pass_egress_not_xdp", "pass_adjust_failed",
            "flow_hits", "flow_misses", "flow_rehash", "flow_syn", "flow_update_failed",
            "drop_source_martian", "drop_source_own", "drop_source_denied");

    private XdpContract() {
    }

    /** Writes a 128-bit address (hi, lo: the address's bytes 0..7 and 8..15 read big-endian) at {@code offset}. */
    static void putAddress(MemorySegment seg, long offset, long hi, long lo) {
        seg.set(BE_LONG, offset, hi);
        seg.set(BE_LONG, offset + 8, lo);
    }

    /** Writes an IPv4 address in the contract's 16-byte form: bytes 0..11 zero, the address in 12..15. */
    static void putIpv4Address(MemorySegment seg, long offset, int ipv4) {
        seg.set(BE_LONG, offset, 0L);
        seg.set(BE_LONG, offset + 8, ipv4 & 0xffffffffL);
    }
}
