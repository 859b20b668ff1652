package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the host looks like now, as far as the agent cares, plus what the agent owns according to its
 * state file (needed to tell its own leftovers from everyone else's).
 *
 * @param links     devices by name
 * @param addresses addresses on the devices the agent manages addresses on
 * @param sysctls   key -> current value (normalised) for every desired or recorded key; absent keys map to null
 * @param owned     the state file's content ({@link AgentState#EMPTY} when there is none)
 * @param nftTable  the agent's nftables table as read back, or null when it does not exist
 * @param fouPorts  the kernel's fou receive ports ({@code ip -j fou show}); empty when not read (no gue wanted
 *                  or owned)
 */
public record ObservedState(Map<String, ObservedLink> links, List<ObservedAddress> addresses,
                            Map<String, String> sysctls, AgentState owned, NftTable nftTable,
                            List<ObservedFouPort> fouPorts) {
    public ObservedState {
        links = Collections.unmodifiableMap(new LinkedHashMap<>(links));
        addresses = List.copyOf(addresses);
        sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
        fouPorts = List.copyOf(fouPorts);
    }

    /** Without fou ports. */
    public ObservedState(Map<String, ObservedLink> links, List<ObservedAddress> addresses,
                         Map<String, String> sysctls, AgentState owned, NftTable nftTable) {
        this(links, addresses, sysctls, owned, nftTable, List.of());
    }

    /** The fou port occupying (port, family) of {@code spec}, whatever its type, or null. */
    public ObservedFouPort fouPort(FouPortSpec spec) {
        for (ObservedFouPort f : fouPorts) {
            if (f.occupies(spec)) {
                return f;
            }
        }
        return null;
    }

    /** Without an nftables table. */
    public ObservedState(Map<String, ObservedLink> links, List<ObservedAddress> addresses,
                         Map<String, String> sysctls, AgentState owned) {
        this(links, addresses, sysctls, owned, null);
    }

    /** True when an address with this device, literal and prefix length exists (labels do not matter). */
    public boolean hasAddress(String device, String address, int prefixLength) {
        for (ObservedAddress a : addresses) {
            if (a.device().equals(device) && a.address().equals(address) && a.prefixLength() == prefixLength) {
                return true;
            }
        }
        return false;
    }

    /** The device of that name, or null. */
    public ObservedLink link(String name) {
        return links.get(name);
    }
}
