// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rejected on purpose: reads packet byte 100 without checking it against data_end, which the verifier refuses
 * ("invalid access to packet"). io.dsrgw.linux.bpf's tests check that this message reaches the exception.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_out_of_bounds(struct xdp_md *ctx)
{
    unsigned char *data = (void *)(long)ctx->data;
    return data[100] == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
