// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The sink of scripts/bench forwarding, on the destination namespace's veth: counts every frame by kind in a
 * per-CPU array and drops it (XDP_DROP), so that the destination's IP stack costs nothing and does not limit
 * the path under test. Also the generator's calibration target on the gateway's ingress veth.
 * Counters (index):
 *   0 all frames
 *   1 IPIP (outer protocol 4) whose inner packet is UDP: what the gateway (G, X) and the limit (L) deliver
 *   2 plain IPv4 UDP: what kernel forwarding (K) delivers, and the generator's own frames
 *   3 anything else
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sink_counters SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&sink_counters, &index);
	if (c)
		*c += 1;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u32 kind = 3;

	count(0);
	if ((void *)(ip + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP) && ip->ihl == 5) {
		if (ip->protocol == IPPROTO_UDP) {
			kind = 2;
		} else if (ip->protocol == IPPROTO_IPIP) {
			struct iphdr *inner = ip + 1;
			if ((void *)(inner + 1) <= data_end && inner->protocol == IPPROTO_UDP)
				kind = 1;
		}
	}
	count(kind);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
