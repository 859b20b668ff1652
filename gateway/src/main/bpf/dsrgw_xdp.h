/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dsrgw_xdp.h - THE MAP CONTRACT between the XDP fast path (dsrgw_xdp.c) and the Java control plane.
 *
 * Everything the control plane needs to drive the program is here: object, program and map names, every map's
 * type, key, value and default size, every struct with byte offsets, every flag, enum value and counter index.
 * The Java side mirrors the structs with java.lang.foreign.MemoryLayout; the offsets in the comments are
 * checked at compile time by the _Static_asserts at the end of this file, so they cannot drift silently.
 *
 * ================================================================================================== objects
 * Object file:   classpath resource /io/dsrgw/gateway/xdp/dsrgw_xdp.o (compiled by clang during the Maven build
 *                of the gateway module; BTF included, so libbpf's bpf_object__open_mem loads it as is).
 * Program:       "dsrgw_xdp"   section "xdp" (type BPF_PROG_TYPE_XDP; not frags-aware).
 * Maps:          "dsrgw_config" "dsrgw_vips" "dsrgw_backends" "dsrgw_rings" "dsrgw_flows" "dsrgw_counters"
 *                "dsrgw_tx_ports" "dsrgw_src" "dsrgw_backend_stats"   (names as in bpf_object__find_map_by_name; all are created by libbpf at load;
 *                max_entries may be changed with bpf_map__set_max_entries between open and load, see below).
 *
 * ================================================================================================== byte order
 * Addresses and ports are stored in NETWORK byte order (the bytes as they appear in a packet). Every other
 * integer (ids, flags, lengths, timeouts, the hash key) is in HOST byte order, i.e. little-endian on x86_64 and
 * arm64: Java writes them with the plain JAVA_INT / JAVA_LONG layouts (native order).
 * A 16-byte address field holds an IPv6 address as is; an IPv4 address a.b.c.d occupies bytes 12..15 and
 * bytes 0..11 are ZERO (not the ::ffff: mapped form) - the same as FlowKey (IPv4 in the low 32 bits of "lo",
 * hi = 0) and as FlowHash's canonical layout.
 *
 * ================================================================================================== the path
 * Per packet on an interface the program is attached to:
 *   1. Ethernet, at most one 802.1Q / 802.1ad tag, then IPv4 with IHL 5 or IPv6 whose next header is TCP or UDP.
 *      Anything else is XDP_PASS with a counter saying why (the kernel routes VIPs into the TUN, where the Java
 *      pipeline - the slow path - handles or drops it). The program never returns XDP_ABORTED, and XDP_DROP
 *      only in step 2b.
 *   2. VIP lookup in dsrgw_vips by (family, address, protocol, port). Not a VIP: PASS untouched.
 *   2b. Source policy (issue 14, = Java's SourcePolicy): a packet to a VIP service whose source is a martian
 *      (0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4; ::, ::1, ff00::/8; checked in code) or matches
 *      dsrgw_src (the VIPs, backends and tunnel sources, kind OWN, and security.deny-sources, kind DENIED) is
 *      XDP_DROP with DROP_SOURCE_MARTIAN / _OWN / _DENIED, the same verdict the slow path gives it
 *      (drop_source_*). Dropped here rather than passed: such packets are spoofed by definition, a flood of
 *      them must cost no more than a map lookup, and passing them would hand the kernel and the TUN the very
 *      traffic the policy exists to stop. Only after the VIP lookup: the host's own traffic through the same
 *      interface (IPv6 DAD from ::, replies from backends to the gateway host) is never judged here.
 *   3. Flow key = FlowHash's canonical 40-byte layout (struct dsrgw_flow_key), hashed with SipHash-2-4 under
 *      (hash_k0, hash_k1): bit-identical to FlowHash.hash(FlowKey).
 *   4. Flow table dsrgw_flows (skipped for STATELESS VIPs), see "flow table semantics" below.
 *   5. Maglev: slot = ((hash >> 32) * ring_size) >> 32 (= ForwardingSnapshot.slotOf), backend id =
 *      dsrgw_rings[ring_id * ring_size + slot].
 *   6. Backend from dsrgw_backends; inner length + overhead > tunnel_mtu: PASS (Java answers too-big/fragments).
 *   7. bpf_fib_lookup of the outer header (ifindex = the ingress ifindex) BEFORE the packet is touched, so that
 *      every PASS hands the kernel the original packet.
 *   8. Encapsulation in the headroom exactly like TunnelEncapsulator (see "outer headers"), new Ethernet header
 *      from the FIB result, then XDP_TX (egress ifindex = ingress ifindex) or bpf_redirect_map(dsrgw_tx_ports).
 *
 * ================================================================================================== outer headers
 * Byte-identical to TunnelEncapsulator.encapsulate(..) for the same backend, except the outer IPv4
 * identification (see below):
 *   outer IPv4: version 4, IHL 5, TOS = inner TOS / traffic class, total length, identification = low 16 bits of
 *     this CPU's rx counter before this packet (per-CPU, RFC 6864: only needs to be unique per (src, dst, proto)
 *     among packets that may be fragmented - the Java path uses a per-worker counter), flags DF copied from the
 *     inner IPv4 header / set for an inner IPv6 packet, offset 0, TTL = config ttl, protocol 4 / 41 / 47 / 17
 *     (GUE), header checksum.
 *   outer IPv6: traffic class copied, flow label = TunnelEncapsulator.flowLabel(hash) (hash ^ hash>>>20 ^
 *     hash>>>40 ^ hash>>>60, low 20 bits, 0 -> 1), payload length, next header 4 / 41 / 47 / 17, hop limit = config ttl.
 *   GRE (kinds GRE, IP6GRE): flags/version 0x2000 with a key (K) else 0x0000, protocol 0x0800 / 0x86DD, key.
 *   UDP (kinds GUE, GUE6; GUE variant 1, the inner packet right behind it): source port = first + hash % count
 *     (gue_sports), destination port gue_port, length 8 + inner length; checksum 0 under IPv4 (RFC 768), under
 *     IPv6 the full checksum (RFC 8200 8.1; 0 sent as 0xffff): the inner packet is summed in 4-byte words by a
 *     bounded loop of DSRGW_GUE_CSUM_WORDS iterations before the packet is touched (longer packets - more than an
 *     XDP frame without frags holds - PASS with PASS_TOO_BIG), then the pseudo-header and UDP header are added.
 *     GRE checksums are never sent from XDP: VIPs whose backends need them carry DSRGW_VIP_F_PASS_ALL.
 *   Trailing bytes behind the inner packet (Ethernet padding: frame longer than the IP total length) are cut
 *   off first, so the inner bytes are exactly the IP packet, as on the Java path.
 *   Ethernet: destination = FIB neighbour MAC, source = egress device MAC, EtherType 0x0800 / 0x86DD.
 *   VLAN: a tag on the ingress frame is NOT carried over: the outer frame is always untagged and goes where the
 *     FIB says (a route through a VLAN sub-interface yields that sub-interface's ifindex, which is not an XDP
 *     target: such packets PASS with PASS_EGRESS_NOT_XDP and take the slow path).
 *
 * ================================================================================================== egress
 * Egress ifindex (from bpf_fib_lookup) == ingress ifindex: XDP_TX. Otherwise the egress device must be in
 * dsrgw_tx_ports (key = value = ifindex): then bpf_redirect_map; if it is not there, PASS with
 * PASS_EGRESS_NOT_XDP before the packet is touched. Why a DEVMAP rather than bpf_redirect(ifindex): a redirect to
 * a device that cannot transmit XDP frames (VLAN, bond without XDP, tunnel devices) fails AFTER the program
 * returned and the frame is silently lost; the map makes the set of redirect targets explicit (the control
 * plane puts the interfaces it attached the program to, all XDP-capable, into it) and lets everything else take
 * the slow path. Note for veth targets: the PEER of the target veth must have an XDP program or GRO on, or the
 * kernel drops the frame (recipes/xdp-on-veth.md).
 * bpf_fib_lookup needs forwarding enabled on the ingress interface (net.ipv4.conf.IF.forwarding /
 * net.ipv6.conf.IF.forwarding), else PASS_FIB_FWD_DISABLED; the TUN ingress needs it anyway.
 *
 * ================================================================================================== flow table semantics
 * (FlowSteering with one change the Java side adopts too: a SYN without ACK always re-hashes.)
 *   - STATELESS VIP: Maglev only, dsrgw_flows untouched, no flow counter.
 *   - TCP with SYN set and ACK clear: the current Maglev choice; the entry is (re)written with it
 *     (class = initialClass: CLOSING if FIN or RST is also set, else SYN). FLOW_SYN counts these.
 *   - Otherwise an entry that exists, is not expired (now - last_seen_ns <= timeout_ns[class]), whose backend
 *     exists in dsrgw_backends with the same vip_id and is not DOWN: kept (FLOW_HITS). Its class becomes
 *     nextClass(class, flags) (TCP: FIN|RST -> CLOSING, ACK without SYN -> ESTABLISHED, else unchanged; UDP:
 *     unchanged); last_seen_ns/class are written in place only when the class changed or last_seen_ns is older
 *     than DSRGW_LAST_SEEN_GRANULARITY_NS, to limit writes to shared cache lines: an entry may therefore expire
 *     up to that much earlier than its exact timeout.
 *   - An entry that exists and is not expired but whose backend is gone, DOWN or of another VIP: re-hashed through
 *     Maglev and rebound (FLOW_REHASH), class = nextClass(class, flags).
 *   - No entry, or an expired one: Maglev, then inserted with class = initialClass(flags) (TCP: FIN|RST ->
 *     CLOSING, SYN -> SYN, else ESTABLISHED; UDP -> UDP) (FLOW_MISSES).
 *   - Maglev gives DSRGW_BACKEND_NONE: the packet PASSes (PASS_NO_BACKEND; the slow path counts drop_no_backend)
 *     and an existing entry of the flow is deleted (FlowSteering removes it too).
 *   Classes: DSRGW_CLASS_TCP_SYN 0, DSRGW_CLASS_TCP_ESTABLISHED 1, DSRGW_CLASS_TCP_CLOSING 2, DSRGW_CLASS_UDP 3,
 *   DSRGW_CLASS_OTHER 4 (= FlowTable.CLASS_*; OTHER is never written by XDP, which handles no fragments).
 *   The entry is written before the MTU and FIB checks, as the Java pipeline does: a packet that then PASSes
 *   finds its flow already pinned on the slow path.
 *   last_seen_ns is bpf_ktime_get_ns(): CLOCK_MONOTONIC, the clock of System.nanoTime() on Linux.
 *
 * ================================================================================================== control plane recipe
 *   load:    bpf_object__open_mem(the .o) -> bpf_map__set_max_entries(...) for the sizes from the config
 *            (dsrgw_rings = 2 * VIPs * ring_size for double buffering, dsrgw_flows = flow table capacity) ->
 *            bpf_object__load -> bpf_object__find_map_by_name / bpf_map__fd, bpf_object__find_program_by_name
 *            ("dsrgw_xdp") / bpf_program__fd -> attach (bpf_xdp_attach or BPF_LINK_CREATE) per ingress interface.
 *   fill (and on every reload), in this order, so that no VIP ever points at something missing:
 *     1. dsrgw_config (ring_size != 0 turns the fast path on; write it last on the very first fill if the
 *        program is already attached, or before attaching);
 *     2. dsrgw_tx_ports: every ingress interface (redirect targets between them);
 *     3. dsrgw_backends: new and changed backends (state changes are single-element updates);
 *     4. dsrgw_rings: each changed VIP's new table into its spare ring (mmap or batch update);
 *     5. dsrgw_vips: new VIPs, and changed ones with the new ring_id / flags;
 *     6. then delete what is gone: vip keys, backends no ring or VIP references any more.
 *   read:    dsrgw_counters and dsrgw_backend_stats (sum the per-CPU values), dsrgw_flows by key (FlowHash.canonicalBytes) for the slow
 *            path and for "dsrctl flows/explain".
 *   mmap of dsrgw_rings: mmap(NULL, round_up(8 * max_entries, page size), PROT_READ | PROT_WRITE, MAP_SHARED,
 *            map_fd, 0); slot i of ring r is the native-order int at byte offset 8 * (r * ring_size + i): the
 *            kernel stores array elements round_up(value_size, 8) bytes apart (kernel/bpf/arraymap.c elem_size),
 *            so each 4-byte slot occupies 8 bytes (the upper 4 unused) - in the mapping and in kernel memory.
 */
#ifndef DSRGW_XDP_H
#define DSRGW_XDP_H

#include <linux/types.h>

/* ============================================================================================== map sizes
 * Defaults of max_entries; the loader may change any of them before load (bpf_map__set_max_entries). */
#define DSRGW_MAX_VIPS_DEFAULT        1024      /* dsrgw_vips: (address, protocol, port) entries */
#define DSRGW_MAX_BACKENDS_DEFAULT    4096      /* dsrgw_backends: stable backend ids in use at once */
#define DSRGW_RING_SLOTS_DEFAULT      (65537 * 32) /* dsrgw_rings: 32 rings of the default Maglev size (16 MiB) */
#define DSRGW_MAX_FLOWS_DEFAULT       262144    /* dsrgw_flows: ~30 MiB of kernel memory (LRU, preallocated) */
#define DSRGW_MAX_TX_PORTS_DEFAULT    64        /* dsrgw_tx_ports */
#define DSRGW_COUNTER_SLOTS           64        /* dsrgw_counters: fixed, indices below; spare slots read 0 */
#define DSRGW_MAX_SRC_DEFAULT         16384     /* dsrgw_src: own addresses + deny prefixes */
#define DSRGW_BACKEND_STATS_DEFAULT   16384     /* dsrgw_backend_stats: stable backend ids 0..N-1 counted (16 B per id and CPU) */

/* ============================================================================================== dsrgw_config
 * BPF_MAP_TYPE_ARRAY, max_entries 1, key __u32 0, value struct dsrgw_config (88 bytes).
 * Updated in place by BPF_MAP_UPDATE_ELEM (not atomic as a whole: write it at start and on reload only; a packet
 * racing a change may see a mix of old and new fields). ring_size 0 (the zero-filled initial state) means "not
 * configured": every packet PASSes with PASS_NOT_CONFIGURED, so attaching before configuring is harmless.
 *
 *   off size field          meaning
 *     0    8 hash_k0        SipHash k0 = FlowHash.k0() (the Java long, host order)
 *     8    8 hash_k1        SipHash k1 = FlowHash.k1()
 *    16   40 timeout_ns[5]  idle timeout per class (index = DSRGW_CLASS_*), ns, > 0 (FlowTimeouts)
 *    56    4 ring_size      Maglev table size M (ForwardingSnapshot.tableSize(), a prime); 0 = not configured
 *    60    4 tunnel_mtu     ForwardingSnapshot.tunnelMtuBytes(): inner length + overhead above it PASSes
 *    64   16 src_v6         outer IPv6 source (network order), valid with DSRGW_CFG_F_SRC_V6
 *    80    4 src_v4         outer IPv4 source a.b.c.d as bytes 80..83 (network order), valid with DSRGW_CFG_F_SRC_V4
 *    84    1 ttl            outer TTL / hop limit (1..255; TunnelSpec.ttl())
 *    85    1 flags          DSRGW_CFG_F_*
 *    86    2 reserved0      0
 */
#define DSRGW_CFG_F_SRC_V4   0x01   /* src_v4 is set: IPIP, SIT, GRE backends can be served */
#define DSRGW_CFG_F_SRC_V6   0x02   /* src_v6 is set: IP6TNL, IP6GRE backends can be served */

#define DSRGW_CLASS_TCP_SYN          0
#define DSRGW_CLASS_TCP_ESTABLISHED  1
#define DSRGW_CLASS_TCP_CLOSING      2
#define DSRGW_CLASS_UDP              3
#define DSRGW_CLASS_OTHER            4
#define DSRGW_CLASSES                5

/* GUE6: the UDP checksum loop covers inner packets of up to 4 * this many bytes (an XDP frame without frags is
 * at most a page, 4096 bytes, minus headroom and tailroom). */
#define DSRGW_GUE_CSUM_WORDS 1024

/* last_seen_ns is refreshed at most this often per flow (see "flow table semantics"). */
#define DSRGW_LAST_SEEN_GRANULARITY_NS 1000000000ULL

struct dsrgw_config {
	__u64 hash_k0;
	__u64 hash_k1;
	__u64 timeout_ns[DSRGW_CLASSES];
	__u32 ring_size;
	__u32 tunnel_mtu;
	__u8  src_v6[16];
	__u32 src_v4;          /* network order */
	__u8  ttl;
	__u8  flags;
	__u16 reserved0;
};

/* ============================================================================================== dsrgw_vips
 * BPF_MAP_TYPE_HASH with BPF_F_NO_PREALLOC (an update replaces the element atomically, RCU-freed: a packet sees
 * the old or the new value, never a mix), max_entries DSRGW_MAX_VIPS_DEFAULT.
 * One entry per (VIP address, protocol, configured port). Java's (A, P, 0) and (A, 0, 0) entries are NOT needed:
 * XDP never classifies fragments or ICMP.
 *
 * key struct dsrgw_vip_key (20 bytes, alignment 2); unused bytes MUST be zero (the key is compared bytewise):
 *   off size field      meaning
 *     0   16 addr       VIP address (network order; IPv4 in bytes 12..15, bytes 0..11 zero)
 *    16    2 port       destination port (network order)
 *    18    1 protocol   6 (TCP) or 17 (UDP)
 *    19    1 family     4 or 6
 *
 * value struct dsrgw_vip_value (16 bytes):
 *   off size field      meaning
 *     0    4 vip_id     the VIP's id; a backend serves this VIP iff its dsrgw_backend.vip_id is equal. Use an id
 *                       that is stable across reloads (like BackendIds), or reloads that reorder VIPs re-hash
 *                       flows (their entries point at backends of "another" VIP).
 *     4    4 ring_id    the VIP's current Maglev ring in dsrgw_rings (see there)
 *     8    4 flags      DSRGW_VIP_F_*
 *    12    4 reserved   0
 */
#define DSRGW_VIP_F_STATELESS  0x1  /* pure Maglev: no flow table (ForwardingSnapshot.vipStateless) */
#define DSRGW_VIP_F_PASS_ALL   0x2  /* every packet of this VIP takes the slow path (e.g. GRE checksum backends) */

struct dsrgw_vip_key {
	__u8  addr[16];
	__u16 port;            /* network order */
	__u8  protocol;
	__u8  family;
};

struct dsrgw_vip_value {
	__u32 vip_id;
	__u32 ring_id;
	__u32 flags;
	__u32 reserved;
};

/* ============================================================================================== dsrgw_backends
 * BPF_MAP_TYPE_HASH with BPF_F_NO_PREALLOC (atomic replacement, as dsrgw_vips), max_entries
 * DSRGW_MAX_BACKENDS_DEFAULT. key __u32 = the stable backend id (BackendIds.idOf(vip, identity), host order).
 * A backend missing from this map counts as gone (flows re-hash); a ring slot naming a missing backend PASSes
 * with PASS_BAD_BACKEND.
 *
 * value struct dsrgw_backend (32 bytes):
 *   off size field         meaning
 *     0   16 addr          outer destination = the backend's address (network order; IPv4 in bytes 12..15)
 *    16    4 vip_id        dsrgw_vip_value.vip_id of the VIP this backend belongs to (ForwardingSnapshot.backendVip)
 *    20    4 gre_key       RFC 2890 key (TunnelSpec.key(), host order; sent big-endian), with DSRGW_BACKEND_F_GRE_KEY
 *          (gue_sports)  GUE kinds, the same 4 bytes: the outer UDP source port range, host order: bits 0..15 the
 *                        first port (TunnelSpec.gueSourcePortMin()), bits 16..31 the count
 *                        (TunnelSpec.gueSourcePortCount(), 1..65535); source port = first + hash % count (u64
 *                        modulo of the flow hash) = TunnelSpec.gueSourcePort(hash)
 *    24    1 state         DSRGW_STATE_* (= io.dsrgw.conf.BackendState ordinal)
 *    25    1 tunnel_kind   DSRGW_TUNNEL_* (= io.dsrgw.encap.tunnel.TunnelKind ordinal)
 *    26    1 outer_family  4 or 6; must match the kind (4 for IPIP/SIT/GRE/GUE, 6 for IP6TNL/IP6GRE/GUE6) else PASS_BAD_BACKEND
 *    27    1 flags         DSRGW_BACKEND_F_*
 *    28    2 gue_port      GUE kinds: the outer UDP destination port (network order; TunnelSpec.gueDestinationPort())
 *    30    2 reserved      0
 * A kind that cannot carry the packet's family (IPIP with inner IPv6, SIT with inner IPv4) PASSes with
 * PASS_BAD_BACKEND; so does an outer family whose source address is not configured (DSRGW_CFG_F_SRC_V4/V6).
 */
#define DSRGW_STATE_ACTIVE    0
#define DSRGW_STATE_DRAINING  1
#define DSRGW_STATE_DOWN      2

#define DSRGW_TUNNEL_IPIP     0   /* outer IPv4, protocol 4,  overhead 20 */
#define DSRGW_TUNNEL_SIT      1   /* outer IPv4, protocol 41, overhead 20 */
#define DSRGW_TUNNEL_GRE      2   /* outer IPv4, protocol 47, overhead 24 (+4 with a key) */
#define DSRGW_TUNNEL_IP6TNL   3   /* outer IPv6, next header 4 or 41, overhead 40 */
#define DSRGW_TUNNEL_IP6GRE   4   /* outer IPv6, next header 47, overhead 44 (+4 with a key) */
#define DSRGW_TUNNEL_GUE      5   /* outer IPv4 + UDP (GUE variant 1), overhead 28, UDP checksum 0 */
#define DSRGW_TUNNEL_GUE6     6   /* outer IPv6 + UDP (GUE variant 1), overhead 48, UDP checksum computed */
#define DSRGW_TUNNEL_NONE     7   /* L2 DSR, no outer header; the program goes by DSRGW_BACKEND_F_L2, not by this */

#define DSRGW_BACKEND_F_GRE_KEY  0x01  /* GRE kinds only: send the RFC 2890 key gre_key */
/* L2 DSR (tunnel = none, TunnelKind.NONE): no encapsulation. The packet is sent unchanged in a new Ethernet frame
 * (destination = the backend's own MAC, source = the egress device's MAC, EtherType of the packet's family, no
 * VLAN tag), next hop by bpf_fib_lookup on the BACKEND's address (family = outer_family, which must equal the
 * packet's), tot_len = the packet's length. The flag, not tunnel_kind, selects this path (tunnel_kind holds the
 * Java ordinal of NONE, which moves when kinds are added before it). No tunnel source, no tunnel_mtu: only the
 * egress MTU (BPF_FIB_LKUP_RET_FRAG_NEEDED -> PASS_FIB_FRAG_NEEDED; Java answers with the link MTU). PASS reasons:
 * family mismatch -> PASS_BAD_BACKEND; neighbour not resolved -> PASS_FIB_NO_NEIGH (the slow path counts
 * drop_no_neighbour and has the kernel resolve it); the FIB's next hop is not the backend itself (routed through
 * a gateway: the backend is not on-link any more) or no route -> PASS_FIB_OTHER; egress not XDP-capable ->
 * PASS_EGRESS_NOT_XDP. Counted like the tunnel path: TX / REDIRECT and dsrgw_backend_stats (inner length). */
#define DSRGW_BACKEND_F_L2       0x02

struct dsrgw_backend {
	__u8  addr[16];
	__u32 vip_id;
	union {
		__u32 gre_key;
		__u32 gue_sports;  /* GUE kinds: first source port | count << 16 */
	};
	__u8  state;
	__u8  tunnel_kind;
	__u8  outer_family;
	__u8  flags;
	__u16 gue_port;        /* network order */
	__u16 reserved;
};

/* ============================================================================================== dsrgw_rings
 * BPF_MAP_TYPE_ARRAY with BPF_F_MMAPABLE, key __u32 index, value __u32 stable backend id (host order),
 * max_entries DSRGW_RING_SLOTS_DEFAULT (the loader sets rings * ring_size).
 * Ring r is the slots [r * ring_size, (r + 1) * ring_size): slot i holds the stable id of the backend owning
 * Maglev slot i (ForwardingSnapshot's slots[vip * M + i] translated by backendId(b)), or DSRGW_BACKEND_NONE.
 * An index beyond max_entries (or above 2^32 - 1) PASSes with PASS_NO_BACKEND.
 *
 * Why one flat array and not BPF_MAP_TYPE_ARRAY_OF_MAPS: the control plane fills a ring with plain stores through
 * mmap (BPF_F_MMAPABLE; 65537 slots per ring, no syscall per slot) or one BPF_MAP_UPDATE_BATCH, needs no inner
 * map fds, and the verifier sees one array; array-of-maps would need a BPF_MAP_CREATE per ring and fd juggling
 * on the Java side for the same atomicity. Atomic switch (double buffering): give each VIP two rings (e.g. 2v and
 * 2v + 1), write the complete new table into the ring the VIP does NOT use, then rewrite its dsrgw_vips entries
 * with the new ring_id (an atomic element replacement). A packet reads either the whole old or the whole new ring.
 * Never write into the ring a VIP currently points at, and let a ring a VIP just left rest a moment (one RCU grace
 * period; in practice the next reload, seconds later) before reusing it: a packet that read the old dsrgw_vips
 * value may still be reading that ring. Entries of one VIP with several ports may point at different rings while
 * they are being rewritten one by one: harmless, each port sees a complete ring.
 */
#define DSRGW_BACKEND_NONE  0xffffffffu  /* ring slot without a backend (MaglevTable.NO_BACKEND) */

/* ============================================================================================== dsrgw_flows
 * BPF_MAP_TYPE_LRU_HASH (one table shared by all CPUs, so the Java slow path finds an entry with one
 * BPF_MAP_LOOKUP_ELEM), max_entries DSRGW_MAX_FLOWS_DEFAULT. The least recently used entries are evicted when full.
 *
 * key struct dsrgw_flow_key (40 bytes) = EXACTLY FlowHash.canonicalBytes(key) of the Java FlowKey (fragment flag
 * not stored: fragments never reach XDP). So the Java side builds the key with FlowHash.canonicalBytes.
 *   off size field      meaning
 *     0   16 src        source address (network order; IPv4 in bytes 12..15, bytes 0..11 zero)
 *    16   16 dst        destination address (VIP)
 *    32    1 family     4 or 6
 *    33    1 protocol   6 or 17
 *    34    2 src_port   network order
 *    36    2 dst_port   network order
 *    38    2 reserved   0
 *
 * value struct dsrgw_flow_value (16 bytes):
 *   off size field           meaning
 *     0    8 last_seen_ns    bpf_ktime_get_ns() of a recent packet (CLOCK_MONOTONIC; see granularity above)
 *     8    4 backend_id      stable backend id
 *    12    1 timeout_class   DSRGW_CLASS_*
 *    13    3 reserved        0
 * Expired: now - last_seen_ns > timeout_ns[timeout_class] (an unknown class counts as expired).
 */
struct dsrgw_flow_key {
	__u8  src[16];
	__u8  dst[16];
	__u8  family;
	__u8  protocol;
	__u16 src_port;        /* network order */
	__u16 dst_port;        /* network order */
	__u16 reserved;
};

struct dsrgw_flow_value {
	__u64 last_seen_ns;
	__u32 backend_id;
	__u8  timeout_class;
	__u8  reserved[3];
};

/* ============================================================================================== dsrgw_tx_ports
 * BPF_MAP_TYPE_DEVMAP_HASH, key __u32 ifindex, value __u32 ifindex (the same), max_entries
 * DSRGW_MAX_TX_PORTS_DEFAULT. The devices XDP may redirect to (see "egress"); the ingress device itself needs no
 * entry (XDP_TX).
 */

/* ============================================================================================== dsrgw_src
 * BPF_MAP_TYPE_LPM_TRIE with BPF_F_NO_PREALLOC (as every LPM trie), max_entries DSRGW_MAX_SRC_DEFAULT: the sources no
 * client can have besides the martians (SourcePolicy.entries()). Longest prefix wins.
 *
 * key struct dsrgw_src_key (24 bytes; the trie's data is the 20 bytes behind prefixlen):
 *   off size field      meaning
 *     0    4 prefixlen  8 + the prefix length (the family byte is always part of the prefix): 9..40 / 9..136
 *     4    1 family     4 or 6
 *     5   16 addr       the address, network order; IPv4 in bytes 5..8 (NOT the 12..15 of the other maps: the
 *                       prefix must be contiguous), the rest zero; host bits zero
 *    21    3 reserved   0
 * value __u32 kind: DSRGW_SRC_OWN (a VIP, a backend, a tunnel source) or DSRGW_SRC_DENIED (security.deny-sources).
 * Lookup: prefixlen 8 + 32 (IPv4) / 8 + 128 (IPv6) with the packet's source.
 */
#define DSRGW_SRC_OWN     1
#define DSRGW_SRC_DENIED  2

struct dsrgw_src_key {
	__u32 prefixlen;
	__u8  family;
	__u8  addr[16];
	__u8  reserved[3];
};

/* ============================================================================================== dsrgw_counters
 * BPF_MAP_TYPE_PERCPU_ARRAY, key __u32 index, value __u64 per possible CPU (a lookup returns
 * nr_possible_cpus values of 8 bytes each, /sys/devices/system/cpu/possible), max_entries DSRGW_COUNTER_SLOTS.
 * Sum over CPUs. Every packet counts DSRGW_CNT_RX and exactly one verdict counter (TX, REDIRECT, one PASS_* or
 * one DROP_*):
 *   rx = tx + redirect + sum(pass_*) + sum(drop_*).
 * The FLOW_* counters are extra (at most one per packet of a stateful VIP).
 * Indices are append-only: a new counter takes the next free index, none is ever renumbered.
 *   index name (metric suffix)        meaning
 */
enum dsrgw_counter {
	DSRGW_CNT_RX = 0,                  /* rx: every packet the program sees */
	DSRGW_CNT_TX = 1,                  /* tx: encapsulated, XDP_TX on the ingress interface */
	DSRGW_CNT_REDIRECT = 2,            /* redirect: encapsulated, redirected to a dsrgw_tx_ports device */
	DSRGW_CNT_PASS_NOT_CONFIGURED = 3, /* pass_not_configured: dsrgw_config.ring_size is 0 */
	DSRGW_CNT_PASS_NON_IP = 4,         /* pass_non_ip: not IPv4/IPv6 (ARP, LLDP, ...), or two VLAN tags */
	DSRGW_CNT_PASS_MALFORMED = 5,      /* pass_malformed: truncated / inconsistent headers (what Java drops as malformed) */
	DSRGW_CNT_PASS_IP_OPTIONS = 6,     /* pass_ip_options: IPv4 IHL > 5 */
	DSRGW_CNT_PASS_IPV6_EXT_HEADER = 7,/* pass_ipv6_ext_header: IPv6 next header is an extension header (not fragment) */
	DSRGW_CNT_PASS_FRAGMENT = 8,       /* pass_fragment: IPv4 MF or offset != 0, IPv6 fragment header */
	DSRGW_CNT_PASS_ICMP = 9,           /* pass_icmp: ICMP / ICMPv6, any type, any destination */
	DSRGW_CNT_PASS_OTHER_PROTO = 10,   /* pass_other_proto: not TCP/UDP/ICMP */
	DSRGW_CNT_PASS_NOT_VIP = 11,       /* pass_not_vip: TCP/UDP not in dsrgw_vips (the host's own traffic) */
	DSRGW_CNT_PASS_VIP_SLOW_PATH = 12, /* pass_vip_slow_path: VIP with DSRGW_VIP_F_PASS_ALL */
	DSRGW_CNT_PASS_NO_BACKEND = 13,    /* pass_no_backend: ring slot DSRGW_BACKEND_NONE, or ring index out of range */
	DSRGW_CNT_PASS_BAD_BACKEND = 14,   /* pass_bad_backend: ring names a missing backend, kind/family mismatch, no source */
	DSRGW_CNT_PASS_TOO_BIG = 15,       /* pass_too_big: inner length + overhead > tunnel_mtu */
	DSRGW_CNT_PASS_FIB_NO_NEIGH = 16,  /* pass_fib_no_neigh: route found, neighbour not resolved */
	DSRGW_CNT_PASS_FIB_FRAG_NEEDED = 17,/* pass_fib_frag_needed: outer packet above the egress device MTU */
	DSRGW_CNT_PASS_FIB_FWD_DISABLED = 18,/* pass_fib_fwd_disabled: forwarding off on the ingress interface */
	DSRGW_CNT_PASS_FIB_OTHER = 19,     /* pass_fib_other: no route, blackhole, unreachable, prohibit, local, ... */
	DSRGW_CNT_PASS_EGRESS_NOT_XDP = 20,/* pass_egress_not_xdp: FIB egress is another device not in dsrgw_tx_ports */
	DSRGW_CNT_PASS_ADJUST_FAILED = 21, /* pass_adjust_failed: bpf_xdp_adjust_head/tail refused (no headroom) */
	DSRGW_CNT_FLOW_HITS = 22,          /* flow_hits: entry found, fresh, backend kept */
	DSRGW_CNT_FLOW_MISSES = 23,        /* flow_misses: no entry or expired: Maglev choice inserted */
	DSRGW_CNT_FLOW_REHASH = 24,        /* flow_rehash: entry's backend gone/DOWN/other VIP: re-hashed and rebound */
	DSRGW_CNT_FLOW_SYN = 25,           /* flow_syn: SYN without ACK: Maglev choice (re)written */
	DSRGW_CNT_FLOW_UPDATE_FAILED = 26, /* flow_update_failed: bpf_map_update_elem on dsrgw_flows failed (packet still sent) */
	DSRGW_CNT_DROP_SOURCE_MARTIAN = 27,/* drop_source_martian: to a VIP service from a martian source (XDP_DROP) */
	DSRGW_CNT_DROP_SOURCE_OWN = 28,    /* drop_source_own: from a VIP, backend or tunnel source (dsrgw_src OWN) */
	DSRGW_CNT_DROP_SOURCE_DENIED = 29, /* drop_source_denied: from a security.deny-sources prefix (dsrgw_src DENIED) */
	DSRGW_CNT_MAX = 30                 /* first unused index (< DSRGW_COUNTER_SLOTS) */
};

/* ============================================================================================== dsrgw_backend_stats
 * BPF_MAP_TYPE_PERCPU_ARRAY, key __u32 = the stable backend id (the key of dsrgw_backends, BackendIds.idOf),
 * value struct dsrgw_backend_stats per possible CPU, max_entries DSRGW_BACKEND_STATS_DEFAULT. Sum over CPUs.
 * Every packet the program sends to a backend (XDP_TX or redirect: exactly the packets counted by DSRGW_CNT_TX
 * and DSRGW_CNT_REDIRECT) adds 1 to packets and its INNER length to bytes: the client's IP packet as received
 * (IPv4 total length / 40 + IPv6 payload length; no Ethernet header, padding or tunnel overhead), the same
 * definition as the slow path's per-backend bytes (WorkerCounters.addBackend(id, innerLength)), so the control
 * plane adds the two and the sum means one thing. Counted before the verdict: a redirect the kernel fails after
 * the program returned is counted here but is still in DSRGW_CNT_REDIRECT.
 *   off size field    meaning
 *     0    8 packets  packets forwarded to the backend
 *     8    8 bytes    their inner bytes
 * Ids are never reused (BackendIds), so a slot always belongs to one backend and its counts never need resetting;
 * an id >= max_entries is not counted (the lookup fails). Only the program writes; the control plane only reads.
 */
struct dsrgw_backend_stats {
	__u64 packets;
	__u64 bytes;
};

/* ============================================================================================== layout checks */
#define DSRGW_OFF(type, field) __builtin_offsetof(struct type, field)
_Static_assert(sizeof(struct dsrgw_config) == 88, "dsrgw_config size");
_Static_assert(DSRGW_OFF(dsrgw_config, timeout_ns) == 16, "dsrgw_config.timeout_ns");
_Static_assert(DSRGW_OFF(dsrgw_config, ring_size) == 56, "dsrgw_config.ring_size");
_Static_assert(DSRGW_OFF(dsrgw_config, tunnel_mtu) == 60, "dsrgw_config.tunnel_mtu");
_Static_assert(DSRGW_OFF(dsrgw_config, src_v6) == 64, "dsrgw_config.src_v6");
_Static_assert(DSRGW_OFF(dsrgw_config, src_v4) == 80, "dsrgw_config.src_v4");
_Static_assert(DSRGW_OFF(dsrgw_config, ttl) == 84, "dsrgw_config.ttl");
_Static_assert(DSRGW_OFF(dsrgw_config, flags) == 85, "dsrgw_config.flags");
_Static_assert(sizeof(struct dsrgw_vip_key) == 20, "dsrgw_vip_key size");
_Static_assert(DSRGW_OFF(dsrgw_vip_key, port) == 16, "dsrgw_vip_key.port");
_Static_assert(DSRGW_OFF(dsrgw_vip_key, protocol) == 18, "dsrgw_vip_key.protocol");
_Static_assert(DSRGW_OFF(dsrgw_vip_key, family) == 19, "dsrgw_vip_key.family");
_Static_assert(sizeof(struct dsrgw_vip_value) == 16, "dsrgw_vip_value size");
_Static_assert(DSRGW_OFF(dsrgw_vip_value, ring_id) == 4, "dsrgw_vip_value.ring_id");
_Static_assert(DSRGW_OFF(dsrgw_vip_value, flags) == 8, "dsrgw_vip_value.flags");
_Static_assert(sizeof(struct dsrgw_backend) == 32, "dsrgw_backend size");
_Static_assert(DSRGW_OFF(dsrgw_backend, vip_id) == 16, "dsrgw_backend.vip_id");
_Static_assert(DSRGW_OFF(dsrgw_backend, gre_key) == 20, "dsrgw_backend.gre_key");
_Static_assert(DSRGW_OFF(dsrgw_backend, state) == 24, "dsrgw_backend.state");
_Static_assert(DSRGW_OFF(dsrgw_backend, tunnel_kind) == 25, "dsrgw_backend.tunnel_kind");
_Static_assert(DSRGW_OFF(dsrgw_backend, outer_family) == 26, "dsrgw_backend.outer_family");
_Static_assert(DSRGW_OFF(dsrgw_backend, flags) == 27, "dsrgw_backend.flags");
_Static_assert(DSRGW_OFF(dsrgw_backend, gue_sports) == 20, "dsrgw_backend.gue_sports");
_Static_assert(DSRGW_OFF(dsrgw_backend, gue_port) == 28, "dsrgw_backend.gue_port");
_Static_assert(sizeof(struct dsrgw_flow_key) == 40, "dsrgw_flow_key size (FlowHash.CANONICAL_LENGTH)");
_Static_assert(DSRGW_OFF(dsrgw_flow_key, dst) == 16, "dsrgw_flow_key.dst");
_Static_assert(DSRGW_OFF(dsrgw_flow_key, family) == 32, "dsrgw_flow_key.family");
_Static_assert(DSRGW_OFF(dsrgw_flow_key, protocol) == 33, "dsrgw_flow_key.protocol");
_Static_assert(DSRGW_OFF(dsrgw_flow_key, src_port) == 34, "dsrgw_flow_key.src_port");
_Static_assert(DSRGW_OFF(dsrgw_flow_key, dst_port) == 36, "dsrgw_flow_key.dst_port");
_Static_assert(sizeof(struct dsrgw_flow_value) == 16, "dsrgw_flow_value size");
_Static_assert(DSRGW_OFF(dsrgw_flow_value, backend_id) == 8, "dsrgw_flow_value.backend_id");
_Static_assert(DSRGW_OFF(dsrgw_flow_value, timeout_class) == 12, "dsrgw_flow_value.timeout_class");
_Static_assert(sizeof(struct dsrgw_src_key) == 24, "dsrgw_src_key size");
_Static_assert(DSRGW_OFF(dsrgw_src_key, family) == 4, "dsrgw_src_key.family");
_Static_assert(DSRGW_OFF(dsrgw_src_key, addr) == 5, "dsrgw_src_key.addr");
_Static_assert(DSRGW_CNT_MAX <= DSRGW_COUNTER_SLOTS, "counter slots");
_Static_assert(sizeof(struct dsrgw_backend_stats) == 16, "dsrgw_backend_stats size");
_Static_assert(DSRGW_OFF(dsrgw_backend_stats, bytes) == 8, "dsrgw_backend_stats.bytes");

#endif /* DSRGW_XDP_H */
