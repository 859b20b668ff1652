// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrgw_xdp.c - the XDP fast path of the dsrgw gateway (DESIGN.md decision 13, Katran's architecture).
 *
 * Forwards the common case in the kernel - TCP/UDP to a VIP, flow table or Maglev, IPIP/SIT/GRE/IP6TNL/IP6GRE
 * encapsulation, next hop by bpf_fib_lookup, XDP_TX or redirect - and passes everything else untouched to the
 * kernel, which routes VIP traffic into the TUN where the Java pipeline (the slow path) handles it. The two paths
 * must give the same answer: same flow hash (FlowHash), same Maglev slot (ForwardingSnapshot.slotOf), same
 * flow-table decisions (FlowSteering) and the same outer bytes (TunnelEncapsulator).
 *
 * The contract with the control plane (maps, structs, counters, semantics) is dsrgw_xdp.h; read that first.
 *
 * Invariants kept throughout:
 *   - every verdict is XDP_TX, XDP_REDIRECT or XDP_PASS, except XDP_DROP for a packet to a VIP service from a
 *     source no client can have (source_verdict, dsrgw_xdp.h step 2b): the slow path decides every other drop;
 *   - every decision that can PASS (parse, classify, backend, MTU, FIB, egress) is taken before the packet is
 *     modified, so a PASS hands the kernel the original packet (only an adjust_head failure after the trailing
 *     Ethernet padding was cut off passes a packet without that padding, which the kernel ignores anyway);
 *   - every packet counts DSRGW_CNT_RX and exactly one verdict counter.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dsrgw_xdp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
/* The flow hash loads the canonical layout as little-endian 64-bit words (FlowHash's definition). */
#error "dsrgw_xdp.c assumes a little-endian BPF target"
#endif

#define AF_INET_    2
#define AF_INET6_   10
#define ETH_P_8021Q_   0x8100
#define ETH_P_8021AD_  0x88A8
#define IP_DF       0x4000
#define IP_MF_OFFSET 0x3fff
#define IP_RESERVED 0x8000
#define TCP_FIN     0x01
#define TCP_SYN     0x02
#define TCP_RST     0x04
#define TCP_ACK     0x10
#define GRE_FLAG_KEY 0x2000
#define IPV4_HLEN   20
#define IPV6_HLEN   40
#define UDP_HLEN 8
#define FLOW_LABEL_MASK 0xfffff

/* The kernel lets only GPL-compatible programs call bpf_fib_lookup (gpl_only helper): hence the dual licence of
 * this file (the usual one for BPF programs), whatever the licence of the Java code that loads it. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ============================================================================================== maps (see dsrgw_xdp.h) */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dsrgw_config);
} dsrgw_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DSRGW_MAX_VIPS_DEFAULT);
	__type(key, struct dsrgw_vip_key);
	__type(value, struct dsrgw_vip_value);
} dsrgw_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DSRGW_MAX_BACKENDS_DEFAULT);
	__type(key, __u32);
	__type(value, struct dsrgw_backend);
} dsrgw_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DSRGW_RING_SLOTS_DEFAULT);
	__type(key, __u32);
	__type(value, __u32);
} dsrgw_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DSRGW_MAX_FLOWS_DEFAULT);
	__type(key, struct dsrgw_flow_key);
	__type(value, struct dsrgw_flow_value);
} dsrgw_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRGW_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} dsrgw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, DSRGW_MAX_TX_PORTS_DEFAULT);
	__type(key, __u32);
	__type(value, __u32);
} dsrgw_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DSRGW_MAX_SRC_DEFAULT);
	__type(key, struct dsrgw_src_key);
	__type(value, __u32);
} dsrgw_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRGW_BACKEND_STATS_DEFAULT);
	__type(key, __u32);
	__type(value, struct dsrgw_backend_stats);
} dsrgw_backend_stats SEC(".maps");

/* ============================================================================================== helpers */

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&dsrgw_counters, &index);

	if (c)
		*c += 1;
}

static __always_inline int pass(__u32 reason)
{
	count(reason);
	return XDP_PASS;
}

/* The PASS reason of a failed bpf_fib_lookup (tunnel next hop or L2 DSR backend): the slow path then resolves the
 * neighbour, answers too-big, or routes. */
static __always_inline __u32 fib_pass_reason(long rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return DSRGW_CNT_PASS_FIB_NO_NEIGH;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return DSRGW_CNT_PASS_FIB_FRAG_NEEDED;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return DSRGW_CNT_PASS_FIB_FWD_DISABLED;
	default:
		return DSRGW_CNT_PASS_FIB_OTHER;
	}
}

/* The 40-byte canonical flow layout, 8-byte aligned so that SipHash reads it as five 64-bit words. */
union flow_key {
	struct dsrgw_flow_key k;
	__u64 w[5];
};

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                \
	do {                                                                                                    \
		v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);                                   \
		v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                                                        \
		v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                                                        \
		v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);                                   \
	} while (0)

/*
 * SipHash-2-4 of the 40-byte canonical layout = FlowHash.hash(FlowKey): the message words are the little-endian
 * loads of bytes 0..7, ..., 32..39 (FlowHash feeds Long.reverseBytes of the big-endian address halves, which is
 * the same), then the final block holds only the length byte (40 << 56: 40 is a multiple of 8).
 */
static __always_inline __u64 flow_hash(const union flow_key *key, __u64 k0, __u64 k1)
{
	__u64 v0 = k0 ^ 0x736f6d6570736575ULL;
	__u64 v1 = k1 ^ 0x646f72616e646f6dULL;
	__u64 v2 = k0 ^ 0x6c7967656e657261ULL;
	__u64 v3 = k1 ^ 0x7465646279746573ULL;
	__u64 m;
	int i;

#pragma unroll
	for (i = 0; i < 5; i++) {
		m = key->w[i];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	m = 40ULL << 56;
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* TunnelEncapsulator.flowLabel: the hash folded to 20 bits, 0 -> 1. */
static __always_inline __u32 flow_label(__u64 hash)
{
	__u64 folded = hash ^ (hash >> 20) ^ (hash >> 40) ^ (hash >> 60);
	__u32 label = (__u32)folded & FLOW_LABEL_MASK;

	return label ? label : 1;
}

/* The backend id in Maglev slot ((hash >> 32) * M) >> 32 of the VIP's ring, or DSRGW_BACKEND_NONE. */
static __always_inline __u32 maglev(__u32 ring_id, __u32 ring_size, __u64 hash)
{
	__u64 slot = ((hash >> 32) * (__u64)ring_size) >> 32;
	__u64 index = (__u64)ring_id * ring_size + slot;
	__u32 key;
	__u32 *id;

	if (index > 0xffffffffULL)
		return DSRGW_BACKEND_NONE;
	key = (__u32)index;
	id = bpf_map_lookup_elem(&dsrgw_rings, &key);
	return id ? *id : DSRGW_BACKEND_NONE;
}

/* FlowSteering.initialClass for a TCP or UDP packet (XDP sees no fragments and no other protocol). */
static __always_inline __u8 initial_class(__u8 protocol, __u8 tcp_flags)
{
	if (protocol != IPPROTO_TCP)
		return DSRGW_CLASS_UDP;
	if (tcp_flags & (TCP_FIN | TCP_RST))
		return DSRGW_CLASS_TCP_CLOSING;
	if (tcp_flags & TCP_SYN)
		return DSRGW_CLASS_TCP_SYN;
	return DSRGW_CLASS_TCP_ESTABLISHED;
}

/* FlowSteering.nextClass: SYN -> established on a non-SYN ACK; FIN/RST -> closing; UDP unchanged. */
static __always_inline __u8 next_class(__u8 current, __u8 protocol, __u8 tcp_flags)
{
	if (protocol != IPPROTO_TCP)
		return current;
	if (tcp_flags & (TCP_FIN | TCP_RST))
		return DSRGW_CLASS_TCP_CLOSING;
	if (!(tcp_flags & TCP_SYN) && (tcp_flags & TCP_ACK))
		return DSRGW_CLASS_TCP_ESTABLISHED;
	return current;
}

/* True when the backend exists, belongs to VIP vip_id and keeps its flows (not DOWN): ForwardingSnapshot's
 * backendIndexById != NONE && backendVip == vip && keepsExistingFlows. */
static __always_inline struct dsrgw_backend *keeping_backend(__u32 id, __u32 vip_id)
{
	struct dsrgw_backend *b = bpf_map_lookup_elem(&dsrgw_backends, &id);

	if (!b || b->vip_id != vip_id || b->state == DSRGW_STATE_DOWN)
		return 0;
	return b;
}

static __always_inline void flow_write(union flow_key *key, __u32 backend_id, __u8 timeout_class, __u64 now)
{
	struct dsrgw_flow_value v = {
		.last_seen_ns = now,
		.backend_id = backend_id,
		.timeout_class = timeout_class,
	};

	if (bpf_map_update_elem(&dsrgw_flows, &key->k, &v, BPF_ANY))
		count(DSRGW_CNT_FLOW_UPDATE_FAILED);
}

/* Writes the 16-bit one's complement checksum of the 20-byte IPv4 header at hdr (checksum field zero before). */
static __always_inline void ipv4_checksum(struct iphdr *hdr)
{
	__u16 *w = (__u16 *)hdr;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < IPV4_HLEN / 2; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	hdr->check = (__u16)~sum;
}

/*
 * Java's SourcePolicy: 0 when the source (fk's, family fk.family) may be a client, else the DSRGW_CNT_DROP_SOURCE_*
 * counter to drop it with. Martians by their leading bytes, then the longest match in dsrgw_src.
 */
static __always_inline __u32 source_verdict(const union flow_key *fk)
{
	const __u8 *src = fk->k.src;
	struct dsrgw_src_key key = {};
	__u32 *kind;

	if (fk->k.family == 4) {
		__u8 top = src[12];
		if (top == 0 || top == 127 || top >= 224)
			return DSRGW_CNT_DROP_SOURCE_MARTIAN;
		key.prefixlen = 8 + 32;
		__builtin_memcpy(key.addr, &src[12], 4);
	} else {
		__u64 hi, lo;
		__builtin_memcpy(&hi, src, 8);
		__builtin_memcpy(&lo, &src[8], 8);
		/* ::, ::1 (lo holds the bytes 8..15 little-endian: ::1 is byte 15 = 1, i.e. 1ULL << 56), and
		 * IPv4-mapped ::ffff:0:0/96 (bytes 10, 11 = 0xff; 8, 9 = 0), which Linux's ip6_rcv_core drops */
		if (src[0] == 0xff || (hi == 0 && (lo == 0 || lo == (1ULL << 56) ||
					      (lo & 0xffffffffULL) == 0xffff0000ULL)))
			return DSRGW_CNT_DROP_SOURCE_MARTIAN;
		key.prefixlen = 8 + 128;
		__builtin_memcpy(key.addr, src, 16);
	}
	key.family = fk->k.family;
	kind = bpf_map_lookup_elem(&dsrgw_src, &key);
	if (!kind)
		return 0;
	return *kind == DSRGW_SRC_OWN ? DSRGW_CNT_DROP_SOURCE_OWN : DSRGW_CNT_DROP_SOURCE_DENIED;
}

/* ============================================================================================== the program */

/*
 * Adds the inner packet at l3_offset, len bytes, to *sum as native-order 32-bit words (a last odd 2 / 1 bytes as
 * a 16-bit word zero-padded on the right, RFC 1071), for GUE6's UDP checksum. A bounded loop (verifier: at most
 * DSRGW_GUE_CSUM_WORDS iterations); returns -1 when the packet is shorter than len. A global (noinline) function:
 * the verifier checks it once, not once per path that reaches it.
 */
__attribute__((noinline)) int dsrgw_inner_csum(struct xdp_md *ctx, __u32 l3_offset, __u32 len, __u64 *sum)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (l3_offset > 18 || !sum)
		return -1; /* !sum: a global function's pointer argument may be NULL as far as the verifier knows */
	void *p = data + l3_offset;
	__u64 s = 0;
	__u32 words = len / 4;
	for (__u32 i = 0; i < DSRGW_GUE_CSUM_WORDS; i++) {
		if (i >= words)
			break;
		__u32 *w = p;
		/* fresh opaque copies each round: clang would otherwise hoist "data_end + 1" out of the loop, and the
		 * verifier allows no arithmetic on the packet end */
		asm volatile("" : "+r"(w), "+r"(data_end));
		if ((void *)(w + 1) > data_end)
			return -1;
		s += *w;
		p += 4;
	}
	/* keeps clang from folding the bounds checks below into pointer arithmetic on data_end (not allowed) */
	asm volatile("" : "+r"(p));
	__u32 rest = len & 3;
	if (rest >= 2) {
		__u16 *h = p;
		asm volatile("" : "+r"(h), "+r"(data_end));
		if ((void *)(h + 1) > data_end)
			return -1;
		s += *h;
		p += 2;
		asm volatile("" : "+r"(p));
	}
	if (rest & 1) {
		__u8 *b = p;
		asm volatile("" : "+r"(b), "+r"(data_end));
		if ((void *)(b + 1) > data_end)
			return -1;
		s += *b; /* on a little-endian CPU the byte is the high half of its network-order word */
	}
	*sum = s;
	return 0;
}

/*
 * L2 DSR (DSRGW_BACKEND_F_L2, see the contract): the unchanged IP packet in a new Ethernet frame to the on-link
 * backend's MAC. Every PASS happens before the packet is touched.
 */
static __always_inline int forward_l2(struct xdp_md *ctx, struct dsrgw_backend *be, __u32 backend_id, int inner_v4,
				      __u8 inner_tos, __u32 inner_len, __u32 captured, __u32 l3_offset, __u8 protocol)
{
	if (be->outer_family != (inner_v4 ? 4 : 6))
		return pass(DSRGW_CNT_PASS_BAD_BACKEND);
	struct bpf_fib_lookup fib = {};
	fib.l4_protocol = protocol;
	fib.tot_len = (__u16)inner_len;
	fib.ifindex = ctx->ingress_ifindex;
	__be32 dst4;
	__builtin_memcpy(&dst4, &be->addr[12], 4);
	__u8 dst6[16];
	__builtin_memcpy(dst6, be->addr, 16);
	if (inner_v4) {
		fib.family = AF_INET_;
		fib.tos = inner_tos;
		fib.ipv4_dst = dst4;
	} else {
		fib.family = AF_INET6_;
		__builtin_memcpy(fib.ipv6_dst, dst6, 16);
	}
	long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return pass(fib_pass_reason(rc));
	/* On success the kernel writes the next hop into the destination: a gateway's address means the backend is
	 * routed, not on-link, and a frame to the gateway's MAC with the VIP inside would come back to us. */
	if (inner_v4) {
		if (fib.ipv4_dst != dst4)
			return pass(DSRGW_CNT_PASS_FIB_OTHER);
	} else {
		__u32 want[4];
		__builtin_memcpy(want, dst6, 16);
		if (fib.ipv6_dst[0] != want[0] || fib.ipv6_dst[1] != want[1] || fib.ipv6_dst[2] != want[2]
		    || fib.ipv6_dst[3] != want[3])
			return pass(DSRGW_CNT_PASS_FIB_OTHER);
	}
	__u32 egress = fib.ifindex;
	int same_port = egress == ctx->ingress_ifindex;
	if (!same_port && !bpf_map_lookup_elem(&dsrgw_tx_ports, &egress))
		return pass(DSRGW_CNT_PASS_EGRESS_NOT_XDP);

	if (captured > inner_len) {
		/* Ethernet padding behind the IP packet: sent as the IP packet alone, as in Java */
		if (bpf_xdp_adjust_tail(ctx, -(int)(captured - inner_len)))
			return pass(DSRGW_CNT_PASS_ADJUST_FAILED);
	}
	/* an ingress VLAN tag is dropped: the frame goes untagged where the FIB says */
	int shrink = (int)(l3_offset - sizeof(struct ethhdr));
	if (shrink && bpf_xdp_adjust_head(ctx, shrink))
		return pass(DSRGW_CNT_PASS_ADJUST_FAILED);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return pass(DSRGW_CNT_PASS_ADJUST_FAILED);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	eth->h_proto = inner_v4 ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);

	struct dsrgw_backend_stats *bs = bpf_map_lookup_elem(&dsrgw_backend_stats, &backend_id);
	if (bs) {
		bs->packets += 1;
		bs->bytes += inner_len;
	}
	if (same_port) {
		count(DSRGW_CNT_TX);
		return XDP_TX;
	}
	count(DSRGW_CNT_REDIRECT);
	return bpf_redirect_map(&dsrgw_tx_ports, egress, XDP_PASS);
}

SEC("xdp")
int dsrgw_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	__u32 rx_index = DSRGW_CNT_RX;
	__u64 *rx = bpf_map_lookup_elem(&dsrgw_counters, &rx_index);
	__u16 ip_id = 0;

	if (rx) {
		ip_id = (__u16)*rx; /* this CPU's packet number: the outer IPv4 identification (RFC 6864) */
		*rx += 1;
	}

	struct dsrgw_config *cfg = bpf_map_lookup_elem(&dsrgw_config, &zero);
	if (!cfg || cfg->ring_size == 0)
		return pass(DSRGW_CNT_PASS_NOT_CONFIGURED);

	/* ------------------------------------------------------------------ L2: Ethernet, at most one VLAN tag */
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return pass(DSRGW_CNT_PASS_MALFORMED);
	__u16 ether_type = eth->h_proto;
	__u32 l3_offset = sizeof(struct ethhdr);
	if (ether_type == bpf_htons(ETH_P_8021Q_) || ether_type == bpf_htons(ETH_P_8021AD_)) {
		__be16 *tag = (void *)(eth + 1); /* TCI, then the encapsulated EtherType */
		if ((void *)(tag + 2) > data_end)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		ether_type = tag[1];
		l3_offset += 4;
	}

	/* ------------------------------------------------------------------ L3 + L4: parse into the flow key */
	union flow_key fk = {};
	__u32 inner_len;        /* IPv4 total length / 40 + IPv6 payload length: the inner packet */
	__u32 captured;         /* bytes from the IP header to data_end (>= inner_len; the rest is padding) */
	__u8 inner_tos;         /* TOS / traffic class, copied to the outer header */
	__u8 inner_df;          /* outer DF: copied from IPv4, set for IPv6 */
	__u8 inner_v4;
	__u8 protocol;
	__u8 tcp_flags = 0;
	void *l4;
	__u32 l4_len;

	if (ether_type == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + l3_offset;
		if ((void *)(ip + 1) > data_end)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u8 version_ihl = *(__u8 *)ip;
		if ((version_ihl >> 4) != 4 || (version_ihl & 0x0f) < 5)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		if ((version_ihl & 0x0f) != 5)
			return pass(DSRGW_CNT_PASS_IP_OPTIONS);
		inner_len = bpf_ntohs(ip->tot_len);
		captured = (__u32)(data_end - (void *)ip);
		if (inner_len < IPV4_HLEN || inner_len > captured)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u16 frag = bpf_ntohs(ip->frag_off);
		if (frag & IP_RESERVED)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		if (frag & IP_MF_OFFSET)
			return pass(DSRGW_CNT_PASS_FRAGMENT);
		protocol = ip->protocol;
		if (protocol == IPPROTO_ICMP)
			return pass(DSRGW_CNT_PASS_ICMP);
		if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
			return pass(DSRGW_CNT_PASS_OTHER_PROTO);
		inner_tos = ip->tos;
		inner_df = (frag & IP_DF) != 0;
		inner_v4 = 1;
		__builtin_memcpy(&fk.k.src[12], &ip->saddr, 4);
		__builtin_memcpy(&fk.k.dst[12], &ip->daddr, 4);
		fk.k.family = 4;
		l4 = ip + 1;
		l4_len = inner_len - IPV4_HLEN;
	} else if (ether_type == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + l3_offset;
		if ((void *)(ip6 + 1) > data_end)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u32 first_word = bpf_ntohl(*(__be32 *)ip6);
		if ((first_word >> 28) != 6)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u32 payload_len = bpf_ntohs(ip6->payload_len);
		inner_len = IPV6_HLEN + payload_len;
		captured = (__u32)(data_end - (void *)ip6);
		if (payload_len == 0 || inner_len > captured)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		protocol = ip6->nexthdr;
		switch (protocol) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			break;
		case IPPROTO_ICMPV6:
			return pass(DSRGW_CNT_PASS_ICMP);
		case IPPROTO_FRAGMENT:
			return pass(DSRGW_CNT_PASS_FRAGMENT);
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_ESP:
		case IPPROTO_MH:
		case 139: /* HIP */
		case 140: /* Shim6 */
		case 253: /* experimental */
		case 254:
			return pass(DSRGW_CNT_PASS_IPV6_EXT_HEADER);
		default:
			return pass(DSRGW_CNT_PASS_OTHER_PROTO);
		}
		inner_tos = (__u8)(first_word >> 20);
		inner_df = 1;
		inner_v4 = 0;
		__builtin_memcpy(fk.k.src, &ip6->saddr, 16);
		__builtin_memcpy(fk.k.dst, &ip6->daddr, 16);
		fk.k.family = 6;
		l4 = ip6 + 1;
		l4_len = payload_len;
	} else {
		return pass(DSRGW_CNT_PASS_NON_IP);
	}

	/* Transport header complete, as TcpFlyweight.wrap / UdpFlyweight.wrap require (else Java: malformed). */
	if (protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > data_end || l4_len < sizeof(struct tcphdr))
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u32 doff = (__u32)(((__u8 *)tcp)[12] >> 4) * 4;
		if (doff < sizeof(struct tcphdr) || doff > l4_len)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		tcp_flags = ((__u8 *)tcp)[13];
		fk.k.src_port = tcp->source;
		fk.k.dst_port = tcp->dest;
	} else {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > data_end || l4_len < sizeof(struct udphdr))
			return pass(DSRGW_CNT_PASS_MALFORMED);
		__u32 udp_len = bpf_ntohs(udp->len);
		if (udp_len < sizeof(struct udphdr) || udp_len > l4_len)
			return pass(DSRGW_CNT_PASS_MALFORMED);
		fk.k.src_port = udp->source;
		fk.k.dst_port = udp->dest;
	}
	fk.k.protocol = protocol;

	/* ------------------------------------------------------------------ classify */
	struct dsrgw_vip_key vk = {};
	__builtin_memcpy(vk.addr, fk.k.dst, 16);
	vk.port = fk.k.dst_port;
	vk.protocol = protocol;
	vk.family = fk.k.family;
	struct dsrgw_vip_value *vip = bpf_map_lookup_elem(&dsrgw_vips, &vk);
	if (!vip)
		return pass(DSRGW_CNT_PASS_NOT_VIP);
	__u32 bad_source = source_verdict(&fk);
	if (bad_source) {
		count(bad_source);
		return XDP_DROP;
	}
	__u32 vip_id = vip->vip_id;
	__u32 ring_id = vip->ring_id;
	__u32 vip_flags = vip->flags;
	if (vip_flags & DSRGW_VIP_F_PASS_ALL)
		return pass(DSRGW_CNT_PASS_VIP_SLOW_PATH);

	/* ------------------------------------------------------------------ backend: flow table, then Maglev */
	__u32 ring_size = cfg->ring_size;
	__u64 hash = flow_hash(&fk, cfg->hash_k0, cfg->hash_k1);
	__u32 backend_id;
	struct dsrgw_backend *be = 0;

	if (vip_flags & DSRGW_VIP_F_STATELESS) {
		backend_id = maglev(ring_id, ring_size, hash);
		if (backend_id == DSRGW_BACKEND_NONE)
			return pass(DSRGW_CNT_PASS_NO_BACKEND);
	} else if (protocol == IPPROTO_TCP && (tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		/* A new connection always takes the current Maglev choice (Katran): a client reusing a 4-tuple of an
		 * old flow must not stick to the old flow's backend, and backends added since get their share. */
		__u64 now = bpf_ktime_get_ns();
		backend_id = maglev(ring_id, ring_size, hash);
		if (backend_id == DSRGW_BACKEND_NONE) {
			bpf_map_delete_elem(&dsrgw_flows, &fk.k);
			return pass(DSRGW_CNT_PASS_NO_BACKEND);
		}
		count(DSRGW_CNT_FLOW_SYN);
		flow_write(&fk, backend_id, initial_class(protocol, tcp_flags), now);
	} else {
		__u64 now = bpf_ktime_get_ns();
		struct dsrgw_flow_value *fv = bpf_map_lookup_elem(&dsrgw_flows, &fk.k);
		int fresh = 0;
		__u64 last_seen = 0;
		__u8 cls = 0;
		__u32 pinned = DSRGW_BACKEND_NONE;

		if (fv) {
			last_seen = fv->last_seen_ns;
			cls = fv->timeout_class;
			pinned = fv->backend_id;
			/* signed: a last_seen a little ahead of this CPU's clock is fresh */
			fresh = cls < DSRGW_CLASSES && (__s64)(now - last_seen) <= (__s64)cfg->timeout_ns[cls];
		}
		if (fresh) {
			__u8 next = next_class(cls, protocol, tcp_flags);
			be = keeping_backend(pinned, vip_id);
			if (be) {
				count(DSRGW_CNT_FLOW_HITS);
				backend_id = pinned;
				if (next != cls || now - last_seen > DSRGW_LAST_SEEN_GRANULARITY_NS) {
					/* in place: no element allocation, at most one write per flow and second */
					fv->last_seen_ns = now;
					fv->timeout_class = next;
				}
			} else {
				backend_id = maglev(ring_id, ring_size, hash);
				if (backend_id == DSRGW_BACKEND_NONE) {
					bpf_map_delete_elem(&dsrgw_flows, &fk.k);
					return pass(DSRGW_CNT_PASS_NO_BACKEND);
				}
				count(DSRGW_CNT_FLOW_REHASH);
				flow_write(&fk, backend_id, next, now);
			}
		} else {
			count(DSRGW_CNT_FLOW_MISSES);
			backend_id = maglev(ring_id, ring_size, hash);
			if (backend_id == DSRGW_BACKEND_NONE)
				return pass(DSRGW_CNT_PASS_NO_BACKEND);
			flow_write(&fk, backend_id, initial_class(protocol, tcp_flags), now);
		}
	}
	if (!be) {
		be = bpf_map_lookup_elem(&dsrgw_backends, &backend_id);
		if (!be)
			return pass(DSRGW_CNT_PASS_BAD_BACKEND);
	}

	if (be->flags & DSRGW_BACKEND_F_L2)
		return forward_l2(ctx, be, backend_id, inner_v4, inner_tos, inner_len, captured, l3_offset, protocol);

	/* ------------------------------------------------------------------ tunnel: kind, overhead, MTU */
	__u8 kind = be->tunnel_kind;
	__u8 outer_v4;
	__u8 outer_protocol;
	__u32 gre_len = 0;
	__u8 keyed = 0;
	switch (kind) {
	case DSRGW_TUNNEL_IPIP:
		if (!inner_v4)
			return pass(DSRGW_CNT_PASS_BAD_BACKEND);
		outer_v4 = 1;
		outer_protocol = IPPROTO_IPIP;
		break;
	case DSRGW_TUNNEL_SIT:
		if (inner_v4)
			return pass(DSRGW_CNT_PASS_BAD_BACKEND);
		outer_v4 = 1;
		outer_protocol = IPPROTO_IPV6;
		break;
	case DSRGW_TUNNEL_IP6TNL:
		outer_v4 = 0;
		outer_protocol = inner_v4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		break;
	case DSRGW_TUNNEL_GRE:
	case DSRGW_TUNNEL_IP6GRE:
		outer_v4 = kind == DSRGW_TUNNEL_GRE;
		outer_protocol = IPPROTO_GRE;
		keyed = (be->flags & DSRGW_BACKEND_F_GRE_KEY) != 0;
		gre_len = keyed ? 8 : 4;
		break;
	case DSRGW_TUNNEL_GUE:
	case DSRGW_TUNNEL_GUE6:
		/* GUE variant 1: a UDP header where the GRE header would be (gre_len = the shim's length) */
		outer_v4 = kind == DSRGW_TUNNEL_GUE;
		outer_protocol = IPPROTO_UDP;
		gre_len = UDP_HLEN;
		break;
	default:
		return pass(DSRGW_CNT_PASS_BAD_BACKEND);
	}
	if (be->outer_family != (outer_v4 ? 4 : 6)
	    || !(cfg->flags & (outer_v4 ? DSRGW_CFG_F_SRC_V4 : DSRGW_CFG_F_SRC_V6)))
		return pass(DSRGW_CNT_PASS_BAD_BACKEND);
	__u32 outer_ip_len = outer_v4 ? IPV4_HLEN : IPV6_HLEN;
	__u32 overhead = outer_ip_len + gre_len;
	__u32 outer_len = inner_len + overhead;
	if (outer_len > cfg->tunnel_mtu)
		return pass(DSRGW_CNT_PASS_TOO_BIG); /* Java: ICMP too big, or fragments for IPv4 without DF */
	__u32 label = flow_label(hash);
	__u8 ttl = cfg->ttl;
	__u32 gre_key = be->gre_key;
	/* GUE: source port = first + hash % count, as TunnelSpec.gueSourcePort (u64 modulo) */
	__u32 gue_count = be->gue_sports >> 16;
	__u16 gue_sport = (__u16)((be->gue_sports & 0xffff) + (gue_count ? hash % gue_count : 0));
	__be16 gue_dport = be->gue_port;

	/* ------------------------------------------------------------------ next hop, before touching the packet */
	struct bpf_fib_lookup fib = {};
	fib.l4_protocol = outer_protocol;
	fib.tot_len = (__u16)outer_len;
	fib.ifindex = ctx->ingress_ifindex;
	__be32 src4 = cfg->src_v4;
	__be32 dst4;
	__builtin_memcpy(&dst4, &be->addr[12], 4);
	if (outer_v4) {
		fib.family = AF_INET_;
		fib.tos = inner_tos;
		fib.ipv4_src = src4;
		fib.ipv4_dst = dst4;
	} else {
		fib.family = AF_INET6_;
		fib.flowinfo = bpf_htonl(((__u32)inner_tos << 20) | label);
		__builtin_memcpy(fib.ipv6_src, cfg->src_v6, 16);
		__builtin_memcpy(fib.ipv6_dst, be->addr, 16);
	}
	/* the outer IPv6 source/destination are read again from the maps after the packet moved: keep copies */
	__u8 src6[16];
	__u8 dst6[16];
	__builtin_memcpy(src6, cfg->src_v6, 16);
	__builtin_memcpy(dst6, be->addr, 16);

	long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return pass(fib_pass_reason(rc));
	__u32 egress = fib.ifindex;
	int same_port = egress == ctx->ingress_ifindex;
	if (!same_port && !bpf_map_lookup_elem(&dsrgw_tx_ports, &egress))
		return pass(DSRGW_CNT_PASS_EGRESS_NOT_XDP);

	/* GUE6: sum the inner packet for the UDP checksum now, while it is where the checks above found it */
	__u64 gue_sum = 0;
	if (kind == DSRGW_TUNNEL_GUE6) {
		if (inner_len > DSRGW_GUE_CSUM_WORDS * 4)
			return pass(DSRGW_CNT_PASS_TOO_BIG); /* longer than any XDP frame without frags */
		if (dsrgw_inner_csum(ctx, l3_offset, inner_len, &gue_sum))
			return pass(DSRGW_CNT_PASS_MALFORMED); /* unreachable: the parser checked inner_len */
	}

	/* ------------------------------------------------------------------ rewrite: trim, grow, write headers */
	if (captured > inner_len) {
		/* Ethernet padding behind the IP packet: the inner bytes must be exactly the IP packet, as in Java */
		if (bpf_xdp_adjust_tail(ctx, -(int)(captured - inner_len)))
			return pass(DSRGW_CNT_PASS_ADJUST_FAILED);
	}
	/* new frame = Ethernet (14) + outer headers + inner packet; an ingress VLAN tag (4) is dropped */
	int grow = (int)overhead - (int)(l3_offset - sizeof(struct ethhdr));
	if (bpf_xdp_adjust_head(ctx, -grow))
		return pass(DSRGW_CNT_PASS_ADJUST_FAILED);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* smallest frame: 14 + 20 outer + 28 inner (IPv4 + UDP) = 62 bytes, which covers every header write below */
	if (data + sizeof(struct ethhdr) + IPV6_HLEN + 8 > data_end)
		return pass(DSRGW_CNT_PASS_ADJUST_FAILED);

	eth = data;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	eth->h_proto = outer_v4 ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);

	void *outer = data + sizeof(struct ethhdr);
	if (outer_protocol == IPPROTO_UDP) {
		struct udphdr *u = outer + outer_ip_len;
		if ((void *)(u + 1) > data_end)
			return pass(DSRGW_CNT_PASS_ADJUST_FAILED); /* unreachable: covered by the 62-byte check */
		__u16 udp_len = (__u16)(inner_len + UDP_HLEN);
		u->source = bpf_htons(gue_sport);
		u->dest = gue_dport;
		u->len = bpf_htons(udp_len);
		u->check = 0; /* IPv4 outer: no checksum (RFC 768), as fou and Katran */
		if (!outer_v4) {
			/* RFC 8200 8.1: pseudo-header (source, destination, UDP length, next header 17) + UDP header +
			 * inner (summed above); all in native-order 32-bit words, folded at the end (RFC 1071 2(B)) */
			__u64 sum = gue_sum;
			__u32 w;
			for (int i = 0; i < 4; i++) {
				__builtin_memcpy(&w, src6 + 4 * i, 4);
				sum += w;
				__builtin_memcpy(&w, dst6 + 4 * i, 4);
				sum += w;
			}
			sum += bpf_htonl(udp_len);
			sum += bpf_htonl(IPPROTO_UDP);
			sum += *(__u32 *)u;            /* source and destination port */
			sum += bpf_htons(udp_len);     /* length; the checksum field is 0 */
			sum = (sum & 0xffffffff) + (sum >> 32);
			sum = (sum & 0xffffffff) + (sum >> 32);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			__u16 check = (__u16)~sum;
			u->check = check ? check : 0xffff;
		}
	} else if (gre_len) {
		__be16 *gre = outer + outer_ip_len;
		if ((void *)(gre + 4) > data_end)
			return pass(DSRGW_CNT_PASS_ADJUST_FAILED); /* unreachable: covered by the 62-byte check */
		gre[0] = keyed ? bpf_htons(GRE_FLAG_KEY) : 0;
		gre[1] = inner_v4 ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
		if (keyed)
			*(__be32 *)(gre + 2) = bpf_htonl(gre_key);
	}
	if (outer_v4) {
		struct iphdr *o = outer;
		*(__u8 *)o = 0x45;
		o->tos = inner_tos;
		o->tot_len = bpf_htons((__u16)outer_len);
		o->id = bpf_htons(ip_id);
		o->frag_off = inner_df ? bpf_htons(IP_DF) : 0;
		o->ttl = ttl;
		o->protocol = outer_protocol;
		o->check = 0;
		o->saddr = src4;
		o->daddr = dst4;
		ipv4_checksum(o);
	} else {
		struct ipv6hdr *o6 = outer;
		*(__be32 *)o6 = bpf_htonl((6U << 28) | ((__u32)inner_tos << 20) | label);
		o6->payload_len = bpf_htons((__u16)(outer_len - IPV6_HLEN));
		o6->nexthdr = outer_protocol;
		o6->hop_limit = ttl;
		__builtin_memcpy(&o6->saddr, src6, 16);
		__builtin_memcpy(&o6->daddr, dst6, 16);
	}

	/* per backend, as the slow path counts it: the inner packet's length (contract: dsrgw_backend_stats) */
	struct dsrgw_backend_stats *bs = bpf_map_lookup_elem(&dsrgw_backend_stats, &backend_id);
	if (bs) {
		bs->packets += 1;
		bs->bytes += inner_len;
	}
	if (same_port) {
		count(DSRGW_CNT_TX);
		return XDP_TX;
	}
	count(DSRGW_CNT_REDIRECT);
	/* the entry was there a moment ago; if a reload removed it since, the packet PASSes (already encapsulated:
	 * the kernel routes it to the backend or drops it as a martian) rather than being aborted */
	return bpf_redirect_map(&dsrgw_tx_ports, egress, XDP_PASS);
}
