package io.dsrgw.harness.vm;

import java.io.IOException;

/**
 * Puts the backend side of DSR into the VM for every {@link TunnelCase}: VIPs on {@code lo}, ARP and rp_filter
 * sysctls, one kernel tunnel device per kind (and per GRE key). Today {@link ManualKernelSetup} does it with
 * {@code ip}/{@code sysctl} commands; the agent's kernel mode replaces it with {@code dsr-agent apply} (or
 * {@code run}) inside the VM ({@link KernelLab#agentCommand}), and the same checks then prove the agent.
 */
public interface BackendSetup {
    /** Configures the guest; called once after boot, before the HTTP server starts. */
    void apply(Vm vm) throws IOException;

    /** The guest device that decapsulates {@code c}'s packets (its rx_packets must grow). */
    String device(Vm vm, TunnelCase c) throws IOException;

    /** Removes what {@link #apply} created (optional for a VM that is thrown away afterwards). */
    default void down(Vm vm) throws IOException {
    }

    /** Short label for messages. */
    String name();
}
