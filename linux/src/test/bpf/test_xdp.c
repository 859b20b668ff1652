// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test object for io.dsrgw.linux.bpf: one XDP program and the map kinds the gateway's control plane uses
 * (hash, array of maps with a runtime-created inner array, per-CPU counter array).
 *
 * xdp_test, per packet:
 *   counters[0] += 1, counters[1] += packet length             (per-CPU array, summed by userspace)
 *   shorter than an Ethernet header (14 bytes)                -> XDP_DROP
 *   marks[ethertype] missing                                  -> XDP_PASS, packet unchanged
 *   marks[ethertype] = m present                              -> prepend 4 bytes (adjust_head -4):
 *       byte 0..1 = 0xd5 0x77 (magic), byte 2 = low byte of m,
 *       byte 3   = inner[0] of the inner map stored at outer[0], or 0xff when none is stored;
 *     then XDP_TX.
 * Built with clang -O2 -g -target bpf (BTF-defined maps need -g).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_array {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} marks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner_array);
} outer SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int xdp_test(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u32 key = 0;
    __u64 *count = bpf_map_lookup_elem(&counters, &key);
    if (count) {
        *count += 1;
    }
    key = 1;
    count = bpf_map_lookup_elem(&counters, &key);
    if (count) {
        *count += (__u64)(data_end - data);
    }

    unsigned char *eth = data;
    if ((void *)(eth + 14) > data_end) {
        return XDP_DROP;
    }
    __u32 ethertype = (__u32)eth[12] << 8 | eth[13];
    __u64 *mark = bpf_map_lookup_elem(&marks, &ethertype);
    if (!mark) {
        return XDP_PASS;
    }
    unsigned char low = (unsigned char)*mark;

    unsigned char fromInner = 0xff;
    key = 0;
    void *inner = bpf_map_lookup_elem(&outer, &key);
    if (inner) {
        __u32 *value = bpf_map_lookup_elem(inner, &key);
        if (value) {
            fromInner = (unsigned char)*value;
        }
    }

    if (bpf_xdp_adjust_head(ctx, -4)) {
        return XDP_ABORTED;
    }
    unsigned char *head = (void *)(long)ctx->data;
    if ((void *)(head + 4) > (void *)(long)ctx->data_end) {
        return XDP_ABORTED;
    }
    head[0] = 0xd5;
    head[1] = 0x77;
    head[2] = low;
    head[3] = fromInner;
    return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
