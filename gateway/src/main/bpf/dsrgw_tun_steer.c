// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrgw_tun_steer.c - the TUN ingress's queue steering program (issue 14, floods: the new-flow queue).
 *
 * Attached with ioctl(TUNSETSTEERINGEBPF) to the gateway's TUN (IFF_TUN, so the packet starts at its IP header).
 * The kernel runs it for every packet it transmits into the TUN (tun_ebpf_select_queue in drivers/net/tun.c) and
 * puts the packet on queue (return value % number of queues). The TUN has 2 queues per worker, attached in this
 * order: queue 2w holds worker w's established traffic, queue 2w+1 its new flows. The worker reads the established
 * queue first and gives new flows what the batch has left (at least a minimum share), so a SYN flood fills only
 * the new-flow queues and the kernel drops it there, not the packets of connections that are already up.
 *
 * Return value: 2 * (hash & 0x7fff) + class, where
 *   class = 1 (new flow): IPv4 TCP, not a fragment other than the first (fragment offset 0, MF may be set), the
 *           TCP flags byte inside the packet, SYN set and ACK clear; or IPv6 with TCP directly after the fixed
 *           header (next header 6; a packet with an extension header, a fragment header included, is class 0),
 *           SYN set and ACK clear;
 *   class = 0 otherwise: every other TCP packet (SYN+ACK, ACK, data, FIN, RST), UDP, ICMP, non-first fragments,
 *           IPv6 with extension headers, and anything truncated or not IPv4/IPv6 (no crash: bpf_skb_load_bytes
 *           fails on a short packet and the program answers class 0).
 *   hash  = TunSteering.hash: a function of the source and destination addresses only, so every fragment of a
 *           datagram and every packet of a flow reach the same worker (flow table and reassembly are per worker);
 *           0 for a packet too short for its addresses.
 * With 2N queues: (2h + c) % 2N = 2 (h % N) + c, so the program needs no N. The value stays below 2^16 because
 * tun_ebpf_select_queue keeps it in a u16 before the modulo; 15 bits of hash spread any sane worker count.
 *
 * Why a first fragment with SYN is class 1: it is the start of a new connection like an unfragmented SYN; its
 * later fragments (class 0) reach the same worker, whose reassembly takes fragments in any order. Legitimate SYNs
 * are never fragmented; the point is that fragmenting a SYN must not move a flood into the established queue.
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
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define HASH_MULTIPLIER 0x9e3779b1u

/* Only ungated helpers are used; the licence string keeps the kernel's view of the object the same as
 * dsrgw_xdp.c's. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* One step of the address hash: w is a 32-bit word of an address in network byte order, taken as a big-endian
 * number (TunSteering.mix). */
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

static __always_inline int queue_of(__u32 hash, int new_flow)
{
	return (int)(2 * (hash & 0x7fff)) + new_flow;
}

/* SYN set and ACK clear in the TCP header at offset l4 (class 1), else 0 (including a packet cut before it). */
static __always_inline int is_syn(struct __sk_buff *skb, __u32 l4)
{
	__u8 flags;

	if (bpf_skb_load_bytes(skb, l4 + TCP_FLAGS_OFFSET, &flags, 1) < 0)
		return 0;
	return (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
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
		if (ip[9] == IPPROTO_TCP && ihl >= IPV4_HLEN && frag == 0)
			cls = is_syn(skb, ihl);
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
		if (bpf_skb_load_bytes(skb, 6, &next, 1) == 0 && next == IPPROTO_TCP)
			cls = is_syn(skb, IPV6_HLEN);
		return queue_of(h, cls);
	}
	return 0;
}
