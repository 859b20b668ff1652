package io.dsrgw.conf;

/**
 * How the backend agent decapsulates: {@link #KERNEL} with kernel tunnel devices, {@link #USERSPACE} with raw
 * sockets and a TUN device (for kernels without tunnel modules), {@link #AUTO} picks kernel when available.
 */
public enum AgentMode {
    KERNEL, USERSPACE, AUTO;

    /** @return the configuration spelling ("kernel", "userspace", "auto") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
