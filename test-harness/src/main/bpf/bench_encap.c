// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The limit (L) of scripts/bench forwarding: the least an XDP IPIP gateway can do per packet on this path.
 * Every IPv4 packet is encapsulated in IPIP (RFC 2003) to ONE fixed backend and bpf_redirect()ed to the
 * egress veth: no VIP lookup, no flow table, no Maglev, no checksum of the inner packet. The only map access
 * is the one config entry below, written by the benchmark (bpftool map update) after attaching.
 * Anything that is not IPv4 over Ethernet, and every packet before the config is written, goes XDP_PASS.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Layout written by io.dsrgw.harness.bench.forwarding.BpfPrograms.encapConfig (little-endian host order for
 * egress_ifindex, network order for the addresses; MACs as bytes). 24 bytes. */
struct encap_config {
	__u32 egress_ifindex;  /* 0: not configured yet -> XDP_PASS */
	__be32 outer_saddr;    /* tunnel source (the gateway's egress address) */
	__be32 outer_daddr;    /* the backend */
	__u8 src_mac[ETH_ALEN];  /* egress veth */
	__u8 dst_mac[ETH_ALEN];  /* backend's veth (static neighbour) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct encap_config);
} encap_config SEC(".maps");

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int bench_encap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct encap_config *cfg = bpf_map_lookup_elem(&encap_config, &zero);
	if (!cfg || cfg->egress_ifindex == 0)
		return XDP_PASS;

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *inner = data + sizeof(*eth);
	if ((void *)(inner + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__u16 inner_len = bpf_ntohs(inner->tot_len);

	/* Room for the outer IPv4 header in front of the Ethernet header. */
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	struct iphdr *outer = data + sizeof(*eth);
	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;

	__builtin_memcpy(eth->h_dest, cfg->dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->src_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000); /* DF */
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = cfg->outer_saddr;
	outer->daddr = cfg->outer_daddr;

	__u32 sum = 0;
	__u16 *w = (__u16 *)outer;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	outer->check = csum_fold(sum);

	return bpf_redirect(cfg->egress_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
