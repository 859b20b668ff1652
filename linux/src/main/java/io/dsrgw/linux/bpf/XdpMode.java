package io.dsrgw.linux.bpf;

/**
 * Where an XDP program runs ({@code XDP_FLAGS_*_MODE} of {@code <linux/if_link.h>}).
 */
public enum XdpMode {
    /**
     * In the driver, before an skb exists ({@code XDP_FLAGS_DRV_MODE}): the fast one. Needs driver support
     * (veth, virtio_net, mlx5, ice, i40e, ixgbe, ...); refused with EOPNOTSUPP otherwise.
     */
    NATIVE(1 << 2, "native"),
    /**
     * After the kernel built an skb ({@code XDP_FLAGS_SKB_MODE}): works on every interface, slowly (measured here:
     * ~176 kpps vs ~1.2 Mpps native on veth); for tests and drivers without XDP.
     */
    GENERIC(1 << 1, "generic");

    private final int flags;
    private final String configName;

    XdpMode(int flags, String configName) {
        this.flags = flags;
        this.configName = configName;
    }

    /** The {@code XDP_FLAGS_*} bit passed to {@code bpf_link_create}. */
    public int flags() {
        return flags;
    }

    /** The name used in configuration and messages: {@code "native"} or {@code "generic"}. */
    public String configName() {
        return configName;
    }
}
