package io.dsrgw.agent.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable record of what the agent changed on the host. Every {@code with...}/{@code without...}
 * method returns a new instance; lists keep insertion order so that teardown can run in reverse.
 *
 * @param createdAddresses addresses the agent added (and that did not exist before it added them)
 * @param createdDevices   network devices the agent created
 * @param sysctlOldValues  sysctl key -> value it had before the agent first wrote it
 * @param createdFouPorts  GUE receive ports ({@code ip fou add port N gue}) the agent added (kernel mode)
 */
public record AgentState(List<Address> createdAddresses, List<Device> createdDevices,
                         Map<String, String> sysctlOldValues, List<FouPort> createdFouPorts) {

    /** Nothing owned: the state of a host the agent never touched. */
    public static final AgentState EMPTY = new AgentState(List.of(), List.of(), Map.of(), List.of());

    /** Without fou ports (the state before issue 15). */
    public AgentState(List<Address> createdAddresses, List<Device> createdDevices,
                      Map<String, String> sysctlOldValues) {
        this(createdAddresses, createdDevices, sysctlOldValues, List.of());
    }

    /**
     * A fou receive port the agent added.
     *
     * @param port   UDP port, 1..65535
     * @param family 4 or 6: the fou socket's family ({@code -6})
     */
    public record FouPort(int port, int family) {
        public FouPort {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("fou port " + port + " (expected: 1..65535)");
            }
            if (family != 4 && family != 6) {
                throw new IllegalArgumentException("fou family " + family + " (expected: 4 or 6)");
            }
        }
    }

    /**
     * An address the agent added.
     *
     * @param device       device name, e.g. {@code lo}
     * @param address      literal address, e.g. {@code 10.100.0.1}
     * @param prefixLength prefix length, e.g. 32
     * @param label        IPv4 label ({@code lo:dsrvip}), or null
     */
    public record Address(String device, String address, int prefixLength, String label) {
        public Address {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(address, "address");
        }

        /** {@code 10.100.0.1/32}. */
        public String cidr() {
            return address + "/" + prefixLength;
        }

        /** True when both denote the same kernel address (device, address, prefix); the label is not part of it. */
        public boolean sameAddress(Address other) {
            return device.equals(other.device) && address.equals(other.address) && prefixLength == other.prefixLength;
        }
    }

    /**
     * A device the agent created.
     *
     * @param name device name
     * @param kind link kind as iproute2 reports it ({@code tun}, later {@code ipip}, {@code gre}...)
     */
    public record Device(String name, String kind) {
        public Device {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
        }
    }

    public AgentState {
        createdAddresses = List.copyOf(createdAddresses);
        createdDevices = List.copyOf(createdDevices);
        sysctlOldValues = Collections.unmodifiableMap(new LinkedHashMap<>(sysctlOldValues));
        createdFouPorts = List.copyOf(createdFouPorts);
    }

    /** True when the agent owns nothing. */
    public boolean isEmpty() {
        return createdAddresses.isEmpty() && createdDevices.isEmpty() && sysctlOldValues.isEmpty()
                && createdFouPorts.isEmpty();
    }

    /** Records a fou port as created (no-op if already recorded). */
    public AgentState withCreatedFouPort(FouPort port) {
        if (createdFouPorts.contains(port)) {
            return this;
        }
        List<FouPort> list = new ArrayList<>(createdFouPorts);
        list.add(port);
        return new AgentState(createdAddresses, createdDevices, sysctlOldValues, list);
    }

    /** Forgets a fou port (after the agent deleted it, or when adding it failed). */
    public AgentState withoutCreatedFouPort(FouPort port) {
        List<FouPort> list = new ArrayList<>(createdFouPorts);
        list.remove(port);
        return new AgentState(createdAddresses, createdDevices, sysctlOldValues, list);
    }

    /** True when {@code address} (device, address, prefix) is recorded as created by the agent. */
    public boolean ownsAddress(Address address) {
        for (Address a : createdAddresses) {
            if (a.sameAddress(address)) {
                return true;
            }
        }
        return false;
    }

    /** True when a device of that name is recorded as created by the agent. */
    public boolean ownsDevice(String name) {
        for (Device d : createdDevices) {
            if (d.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Records an address as created (no-op if already recorded). */
    public AgentState withCreatedAddress(Address address) {
        if (ownsAddress(address)) {
            return this;
        }
        List<Address> list = new ArrayList<>(createdAddresses);
        list.add(address);
        return new AgentState(list, createdDevices, sysctlOldValues, createdFouPorts);
    }

    /** Forgets an address (after the agent removed it, or when adding it failed). */
    public AgentState withoutCreatedAddress(Address address) {
        List<Address> list = new ArrayList<>(createdAddresses);
        list.removeIf(a -> a.sameAddress(address));
        return new AgentState(list, createdDevices, sysctlOldValues, createdFouPorts);
    }

    /** Records a device as created (no-op if already recorded). */
    public AgentState withCreatedDevice(Device device) {
        if (ownsDevice(device.name())) {
            return this;
        }
        List<Device> list = new ArrayList<>(createdDevices);
        list.add(device);
        return new AgentState(createdAddresses, list, sysctlOldValues, createdFouPorts);
    }

    /**
     * Forgets a device, and the recorded old values of its per-device sysctls
     * ({@code net.ipv4.conf.NAME.*}, {@code net.ipv6.conf.NAME.*}), which vanish with it.
     */
    public AgentState withoutCreatedDevice(String name) {
        List<Device> list = new ArrayList<>(createdDevices);
        list.removeIf(d -> d.name().equals(name));
        Map<String, String> sysctls = new LinkedHashMap<>(sysctlOldValues);
        sysctls.keySet().removeIf(k -> isPerDeviceKey(k, name));
        return new AgentState(createdAddresses, list, sysctls, createdFouPorts);
    }

    /**
     * Records the value a sysctl had before the agent changed it. The FIRST recorded value wins:
     * re-applying must never replace the host's original value with the agent's own.
     */
    public AgentState withSysctlOldValue(String key, String oldValue) {
        if (sysctlOldValues.containsKey(key)) {
            return this;
        }
        Map<String, String> sysctls = new LinkedHashMap<>(sysctlOldValues);
        sysctls.put(key, oldValue);
        return new AgentState(createdAddresses, createdDevices, sysctls, createdFouPorts);
    }

    /** Forgets a sysctl (after restoring it). */
    public AgentState withoutSysctl(String key) {
        Map<String, String> sysctls = new LinkedHashMap<>(sysctlOldValues);
        sysctls.remove(key);
        return new AgentState(createdAddresses, createdDevices, sysctls, createdFouPorts);
    }

    /** True when {@code key} is {@code net.ipv4.conf.<device>.x} or {@code net.ipv6.conf.<device>.x}. */
    public static boolean isPerDeviceKey(String key, String device) {
        return key.startsWith("net.ipv4.conf." + device + ".") || key.startsWith("net.ipv6.conf." + device + ".");
    }
}
