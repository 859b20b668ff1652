package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.net.InetAddress;
import java.util.Objects;

/**
 * An address the agent wants on a device.
 *
 * @param device       device name ({@code lo})
 * @param address      the address
 * @param prefixLength prefix length (32 for an IPv4 VIP)
 * @param label        IPv4 address label ({@code lo:dsrvip}), null for none (IPv6 addresses have no labels)
 */
public record AddressSpec(String device, InetAddress address, int prefixLength, String label) {
    public AddressSpec {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(address, "address");
    }

    /** {@code 10.100.0.1/32}, {@code fd00:100::1/128}. */
    public String cidr() {
        return Addresses.literal(address) + "/" + prefixLength;
    }

    /** True for an IPv6 address: added with {@code nodad} (a VIP must be usable at once, and is on every backend). */
    public boolean noDad() {
        return address instanceof java.net.Inet6Address;
    }

    /** The form recorded in the state file. */
    public AgentState.Address toOwned() {
        return new AgentState.Address(device, Addresses.literal(address), prefixLength, label);
    }

    /** Inverse of {@link #toOwned()}; the address must be a literal (never resolved through DNS). */
    public static AddressSpec fromOwned(AgentState.Address a) {
        return new AddressSpec(a.device(), InetAddress.ofLiteral(a.address()), a.prefixLength(), a.label());
    }
}
