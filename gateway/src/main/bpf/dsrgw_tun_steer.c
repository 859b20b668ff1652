// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrgw_tun_steer.c - the TUN ingress's queue steering program (issue 14, floods: the new-flow queue).
 *
 * Attached with ioctl(TUNSETSTEERINGEBPF) to the gateway's TUN (IFF_TUN, so the packet starts at its IP header).
 * The kernel runs it for every packet it transmits into the TUN (tun_ebpf_select_queue in drivers/net/tun.c) and
 * puts the packet on queue (return value % number of queues). The TUN has 3 queues per worker, attached in this
 * order: queue 3w holds worker w's established traffic, queue 3w+1 its new flows, queue 3w+2 the SYNs of known
 * sources. The worker reads the known sources' SYNs first (up to a capped share), then the established queue, and
 * gives new flows what the batch has left (at least a minimum share), so a SYN flood fills only the new-flow queues
 * and the kernel drops it there, not the packets of connections that are already up, and a flood of anything else
 * (class 0) does not drop the SYNs of returning clients.
 *
 * Return value: 3 * (hash & 0x3fff) + class, where
 *   class = 1 (new flow): IPv4 TCP, not a fragment other than the first (fragment offset 0, MF may be set), the
 *           TCP flags byte inside the packet, SYN set and ACK clear; or IPv6 with TCP directly after the fixed
 *           header (next header 6; a packet with an extension header, a fragment header included, is class 0),
 *           SYN set and ACK clear, from a source not known (below); and every ICMP packet (IPv4 protocol 1, any
 *           fragment) and ICMPv6 packet (next header 58 right after the fixed header): see "Why ICMP" below;
 *   class = 2 (known source's new flow): such a SYN from a known source;
 *   class = 0 otherwise: every other TCP packet (SYN+ACK, ACK, data, FIN, RST), UDP, non-first fragments,
 *           IPv6 with extension headers, and anything truncated or not IPv4/IPv6 (no crash: bpf_skb_load_bytes
 *           fails on a short packet and the program answers class 0).
 *   hash  = mix/fmix32 below (TunSteeringTest.Model states it in Java): a function of the source and destination
 *           addresses only, so every fragment of a datagram and every packet of a flow reach the same worker
 *           (flow table and reassembly are per worker); 0 for a packet too short for its addresses.
 * With 3N queues: (3h + c) % 3N = 3 (h % N) + c, so the program needs no N. The value stays below 2^16 because
 * tun_ebpf_select_queue keeps it in a u16 before the modulo; 14 bits of hash spread any sane worker count.
 *
 * Why a first fragment with SYN is class 1 (or 2): it is the start of a new connection like an unfragmented SYN; its
 * later fragments (class 0) reach the same worker, whose reassembly takes fragments in any order. Legitimate SYNs
 * are never fragmented; the point is that fragmenting a SYN must not move a flood into the established queue.
 *
 * Why ICMP is class 1: measured with the flood bench (idle machine, 572 kpps of ICMP echo requests and
 * fragmentation-needed errors to the VIP), ICMP in the established queue dropped the requests' data packets at the
 * flood's ratio and 2 requests timed out. No established connection needs its ICMP at once: echo requests are
 * answered at icmp.echo-rate anyway, and a lost PMTU error is sent again when the sender retransmits. So ICMP shares
 * the low-priority queue with new flows (still at least an eighth of every batch) and an ICMP flood no longer
 * competes with the packets of established connections. (The known sources' SYNs are unaffected.)
 *
 * Known sources (dsrgw_known_sources): a TCP packet of those two kinds with ACK set and SYN and RST clear (a
 * handshake's last packet, data, FIN) records its source address with the time; a SYN from a source recorded less
 * than KNOWN_SOURCE_NS ago is class 2. Why: the new-flow queue protects established connections, but every new
 * connection of a legitimate client starts with a SYN that a SYN flood faster than the worker drops in that queue
 * as often as its own (measured: a request timed out in connect). A client that had a connection within the last
 * minute gets its SYNs through a queue of their own instead: not the established queue, which a flood of ACKs, UDP
 * or ICMP fills (measured: with the known SYNs there, an ICMP flood cost as many requests as without any of this).
 * Spoofing gains an attacker little: a spoofed ACK then SYN per source puts his SYNs in the known queue, whose share
 * of the worker is capped like the new-flow queue's minimum. The record is refreshed at most once per
 * KNOWN_REFRESH_NS per source, so a busy connection costs a lookup per packet, not an update.
 *
 * Insert limit (dsrgw_known_limit, dsrgw_known_window): at most `limit` sources NOT yet in the map are recorded per
 * window of INSERT_WINDOW_NS (1 s); a source already in the map is refreshed as before, whatever the count. Why:
 * without it an ACK flood from spoofed random sources (measured: the flood bench's 1500-byte ACK phase from
 * 198.18.0.0/15) recorded every one of them, so the SYN flood that followed from the same range was "known" for a
 * minute (314,620 known-source packets against 267 legitimate requests) and returning clients lost their queue; with
 * more sources than the map holds it also evicts the real known sources from the LRU map. With the limit such a flood
 * fills its window's quota in its first milliseconds and the rest of its sources are not recorded, while the clients
 * known before it stay known. The limit is written by TunSteering at load (ingress.known-sources-per-second, default
 * 200 per second): a legitimate population adds new sources at a modest rate; an attacker plants at most limit x 60
 * entries per minute of memory, 12,000 or 9% of the 131,072 sources of a /15 (so 9% of his spoofed SYNs reach the
 * capped known queue). He can keep refreshing the entries he planted, so a sustained ACK flood adds `limit` entries per
 * second for as long as it lasts, up to the map's KNOWN_SOURCES entries; the limit bounds the rate, not the total. A
 * site with more new clients per second than the limit sees the excess treated as new flows (class 1), which is the
 * behaviour without the memory. The window is approximate across CPUs: start and count are one array entry shared by
 * all CPUs and a source is admitted when the atomic add's old count is below `limit`, but two CPUs that see an expired
 * window at once both reset it, and what the first admitted in between is counted again from 0, so a window can admit a
 * few more than `limit`; exactness is not worth a lock per packet. Once the window is full, new sources cost a read of
 * the count, no atomic.
 *
 * A BPF_PROG_TYPE_SOCKET_FILTER program has no direct packet access: bpf_skb_load_bytes it is.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define IP_OFFSET_MASK 0x1fff
#define TCP_FLAGS_OFFSET 13
#define NEXTHDR_ICMPV6 58
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_RST 0x04
#define HASH_MULTIPLIER 0x9e3779b1u
#define KNOWN_SOURCE_NS (60ULL * 1000000000ULL)
#define KNOWN_REFRESH_NS 1000000000ULL
#define KNOWN_SOURCES 65536
#define INSERT_WINDOW_NS 1000000000ULL

/* Only ungated helpers are used; the licence string keeps the kernel's view of the object the same as
 * dsrgw_xdp.c's. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A source address: IPv6 as is, IPv4 as ::ffff:a.b.c.d (RFC 4291 2.5.5.2), so one map serves both families. */
struct dsrgw_source {
	__u32 words[4];
};

/* Source address -> bpf_ktime_get_ns() of its latest established-flow packet (see "Known sources" above). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KNOWN_SOURCES);
	__type(key, struct dsrgw_source);
	__type(value, __u64);
} dsrgw_known_sources SEC(".maps");

/* Key 0: the number of new sources the program may record per INSERT_WINDOW_NS ("Insert limit" above); written by
 * TunSteering before attaching. 0 (never written) records none. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dsrgw_known_limit SEC(".maps");

/* The current insert window, shared by all CPUs. */
struct dsrgw_insert_window {
	__u64 start; /* bpf_ktime_get_ns() when it began */
	__u64 count; /* new sources admitted in it (may pass the limit by the admissions racing at its end) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dsrgw_insert_window);
} dsrgw_known_window SEC(".maps");

/* Whether a source not in the map may be recorded now: counts it against the current window. */
static __always_inline int may_insert(__u64 now)
{
	__u32 zero = 0;
	__u64 *limit = bpf_map_lookup_elem(&dsrgw_known_limit, &zero);
	struct dsrgw_insert_window *w = bpf_map_lookup_elem(&dsrgw_known_window, &zero);

	if (!limit || !w)
		return 0;
	if (now - w->start >= INSERT_WINDOW_NS) {
		/* racy across CPUs by design (see "Insert limit") */
		w->start = now;
		w->count = 0;
	}
	if (w->count >= *limit)
		return 0;
	return __sync_fetch_and_add(&w->count, 1) < *limit;
}

/* One step of the address hash: w is a 32-bit word of an address in network byte order, taken as a big-endian
 * number. */
static __always_inline __u32 mix(__u32 h, __u32 w)
{
	return (h ^ w) * HASH_MULTIPLIER;
}

/* MurmurHash3's finaliser: every input bit reaches the low 15 bits the queue index uses. */
static __always_inline __u32 fmix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static __always_inline int queue_of(__u32 hash, int cls)
{
	return (int)(3 * (hash & 0x3fff)) + cls;
}

/* The class of the TCP segment at offset l4 from source src: for SYN without ACK 1 (source not known) or 2 (known),
 * else 0 (including a packet cut before the flags); records the source of an ACK without SYN and RST. */
static __always_inline int tcp_class(struct __sk_buff *skb, __u32 l4, struct dsrgw_source *src)
{
	__u8 flags;
	__u64 now;
	__u64 *seen;

	if (bpf_skb_load_bytes(skb, l4 + TCP_FLAGS_OFFSET, &flags, 1) < 0)
		return 0;
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		seen = bpf_map_lookup_elem(&dsrgw_known_sources, src);
		return seen && bpf_ktime_get_ns() - *seen < KNOWN_SOURCE_NS ? 2 : 1;
	}
	if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_ACK) {
		now = bpf_ktime_get_ns();
		seen = bpf_map_lookup_elem(&dsrgw_known_sources, src);
		if (!seen) {
			if (may_insert(now))
				bpf_map_update_elem(&dsrgw_known_sources, src, &now, BPF_ANY);
		} else if (now - *seen >= KNOWN_REFRESH_NS)
			*seen = now;
	}
	return 0;
}

SEC("socket")
int dsrgw_tun_steer(struct __sk_buff *skb)
{
	__u8 first;

	if (bpf_skb_load_bytes(skb, 0, &first, 1) < 0)
		return 0;
	if ((first >> 4) == 4) {
		__u8 ip[IPV4_HLEN];
		__u32 h;
		__u32 ihl;
		__u16 frag;
		int cls = 0;

		if (bpf_skb_load_bytes(skb, 0, ip, IPV4_HLEN) < 0)
			return 0;
		h = mix(0, bpf_ntohl(*(__u32 *)&ip[12]));
		h = fmix32(mix(h, bpf_ntohl(*(__u32 *)&ip[16])));
		ihl = (ip[0] & 0xf) * 4;
		frag = ((__u16)ip[6] << 8 | ip[7]) & IP_OFFSET_MASK;
		if (ip[9] == IPPROTO_ICMP) {
			cls = 1;
		} else if (ip[9] == IPPROTO_TCP && ihl >= IPV4_HLEN && frag == 0) {
			struct dsrgw_source src = {{0, 0, bpf_htonl(0xffff), *(__u32 *)&ip[12]}};

			cls = tcp_class(skb, ihl, &src);
		}
		return queue_of(h, cls);
	}
	if ((first >> 4) == 6) {
		__u32 words[8];
		__u8 next;
		__u32 h = 0;
		int cls = 0;

		if (bpf_skb_load_bytes(skb, 8, words, sizeof(words)) < 0)
			return 0;
		for (int i = 0; i < 8; i++)
			h = mix(h, bpf_ntohl(words[i]));
		h = fmix32(h);
		if (bpf_skb_load_bytes(skb, 6, &next, 1) < 0)
			return queue_of(h, 0);
		if (next == NEXTHDR_ICMPV6) {
			cls = 1;
		} else if (next == IPPROTO_TCP) {
			struct dsrgw_source src = {{words[0], words[1], words[2], words[3]}};

			cls = tcp_class(skb, IPV6_HLEN, &src);
		}
		return queue_of(h, cls);
	}
	return 0;
}
