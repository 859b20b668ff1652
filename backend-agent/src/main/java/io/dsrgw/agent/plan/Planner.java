package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Pure functions from (desired, observed) to a {@link Plan}. No I/O: everything it needs is in its
 * arguments, so it is tested without root.
 *
 * <p>Order of an apply plan, and why:
 * <ol>
 * <li>{@code lo} up (VIPs are useless on a down loopback);</li>
 * <li>devices: create, {@code addrgenmode none} BEFORE up (so no IPv6 link-local is ever generated), up;</li>
 * <li>kernel tunnel devices: a device of our name with other parameters is deleted first (a tunnel's type,
 *     local address or key cannot be changed in place), then create, MTU, up;</li>
 * <li>sysctls, BEFORE the VIPs: arp_ignore/arp_announce must hold before a VIP appears on lo, and the
 *     per-device keys exist only once the device does;</li>
 * <li>VIP addresses;</li>
 * <li>the agent's nftables table ({@link NftTable}), replaced as a whole in one transaction when it differs;</li>
 * <li>kernel GUE receive ports ({@link FouPortSpec}), AFTER the table, so that its gateway-only rule for the
 *     port stands before the port accepts anything;</li>
 * <li>leftovers the agent owns but no longer wants (addresses, then devices, then sysctls restored).</li>
 * </ol>
 * The agent never plans to remove or change something it does not own, except setting the sysctls and
 * link flags the configuration requires (their old values are recorded).
 */
public final class Planner {
    private Planner() {
    }

    /**
     * The operations that make the host match {@code desired}; empty when it already does.
     *
     * @throws PlanException a device of a desired TUN name exists but is not a compatible TUN
     */
    public static Plan plan(DesiredState desired, ObservedState observed) throws PlanException {
        List<Operation> ops = new ArrayList<>();
        AgentState owned = observed.owned();

        if (desired.loopbackUp()) {
            ObservedLink lo = observed.link(DesiredState.LOOPBACK);
            if (lo != null && !lo.adminUp()) {
                ops.add(new Operation.SetLinkUp(DesiredState.LOOPBACK));
            }
        }

        for (String name : desired.tunDevices()) {
            ObservedLink link = observed.link(name);
            if (link == null) {
                ops.add(new Operation.CreateTunDevice(name));
                ops.add(new Operation.SetAddrGenModeNone(name));
                ops.add(new Operation.SetLinkUp(name));
                continue;
            }
            checkCompatibleTun(link);
            if (!"none".equals(link.addrGenMode())) {
                ops.add(new Operation.SetAddrGenModeNone(name));
            }
            if (!link.adminUp()) {
                ops.add(new Operation.SetLinkUp(name));
            }
        }

        for (TunnelDeviceSpec d : desired.tunnelDevices()) {
            ObservedLink link = observed.link(d.name());
            if (link != null && d.mismatch(link) != null) {
                // Our name, other parameters (an old local address, a hand-made device): the kernel cannot
                // change a tunnel's type or key in place, so replace it.
                ops.add(new Operation.DeleteDevice(d.name()));
                link = null;
            }
            if (link == null) {
                ops.add(new Operation.CreateTunnelDevice(d));
                ops.add(new Operation.SetMtu(d.name(), d.mtuBytes()));
                ops.add(new Operation.SetLinkUp(d.name()));
                continue;
            }
            if (link.mtuBytes() != d.mtuBytes()) {
                ops.add(new Operation.SetMtu(d.name(), d.mtuBytes()));
            }
            if (!link.adminUp()) {
                ops.add(new Operation.SetLinkUp(d.name()));
            }
        }

        for (Map.Entry<String, String> e : desired.sysctls().entrySet()) {
            String current = observed.sysctls().get(e.getKey());
            if (!e.getValue().equals(current)) {
                ops.add(new Operation.SetSysctl(e.getKey(), e.getValue()));
            }
        }

        for (AddressSpec a : desired.addresses()) {
            if (!observed.hasAddress(a.device(), Addresses.literal(a.address()), a.prefixLength())) {
                ops.add(new Operation.AddAddress(a));
            }
        }

        if (desired.nftTable() != null && !desired.nftTable().matches(observed.nftTable())) {
            ops.add(new Operation.ReplaceNftTable(desired.nftTable()));
        } else if (desired.nftTable() == null && observed.nftTable() != null) {
            ops.add(new Operation.DeleteNftTable());
        }

        // After the filter: a GUE port must never accept packets before the gateway-only rule exists.
        for (FouPortSpec f : desired.fouPorts()) {
            ObservedFouPort have = observed.fouPort(f);
            if (have == null) {
                ops.add(new Operation.AddFouPort(f));
            } else if (!have.is(f)) {
                throw new PlanException("fou port " + f + " exists as ipproto " + have.ipproto()
                        + ", not gue (expected: no fou port on gue-port " + f.port()
                        + ", or another gue-port on the gateways and this agent)");
            }
        }

        // Leftovers of an earlier configuration that the agent created itself.
        for (AgentState.FouPort f : owned.createdFouPorts()) {
            FouPortSpec spec = FouPortSpec.fromOwned(f);
            ObservedFouPort have = observed.fouPort(spec);
            if (!desired.fouPorts().contains(spec) && have != null && have.is(spec)) {
                ops.add(new Operation.DeleteFouPort(spec));
            }
        }
        for (AgentState.Address a : owned.createdAddresses()) {
            boolean wanted = desired.addresses().stream().anyMatch(d -> d.toOwned().sameAddress(a));
            if (!wanted && observed.hasAddress(a.device(), a.address(), a.prefixLength())) {
                ops.add(new Operation.DeleteAddress(AddressSpec.fromOwned(a)));
            }
        }
        Set<String> deleted = new HashSet<>();
        for (AgentState.Device d : owned.createdDevices()) {
            if (!desired.deviceNames().contains(d.name()) && observed.link(d.name()) != null) {
                ops.add(new Operation.DeleteDevice(d.name()));
                deleted.add(d.name());
            }
        }
        for (Map.Entry<String, String> e : owned.sysctlOldValues().entrySet()) {
            String key = e.getKey();
            if (!desired.sysctls().containsKey(key) && !perDeviceOf(key, deleted)) {
                String current = observed.sysctls().get(key);
                if (current != null && !current.equals(e.getValue())) {
                    ops.add(new Operation.RestoreSysctl(key, e.getValue()));
                }
            }
        }
        return new Plan(ops);
    }

    /**
     * The operations that undo what the agent owns ({@code down}): its nftables table (owned by its
     * name, {@link NftTable#QUALIFIED_NAME}) after its GUE receive ports, its addresses that still exist,
     * the recorded sysctls (where they differ from the recorded value), then its devices that still
     * exist. Per-device sysctls of devices about to be deleted are not restored: they vanish with them.
     */
    public static Plan teardown(ObservedState observed) {
        AgentState owned = observed.owned();
        List<Operation> ops = new ArrayList<>();
        // First stop accepting GUE, while the filter still stands.
        for (AgentState.FouPort f : owned.createdFouPorts().reversed()) {
            FouPortSpec spec = FouPortSpec.fromOwned(f);
            ObservedFouPort have = observed.fouPort(spec);
            if (have != null && have.is(spec)) {
                ops.add(new Operation.DeleteFouPort(spec));
            }
        }
        if (observed.nftTable() != null) {
            ops.add(new Operation.DeleteNftTable());
        }
        List<AgentState.Address> addresses = new ArrayList<>(owned.createdAddresses());
        for (AgentState.Address a : addresses.reversed()) {
            if (observed.hasAddress(a.device(), a.address(), a.prefixLength())) {
                ops.add(new Operation.DeleteAddress(AddressSpec.fromOwned(a)));
            }
        }
        Set<String> deleted = new HashSet<>();
        List<Operation> deviceOps = new ArrayList<>();
        for (AgentState.Device d : owned.createdDevices().reversed()) {
            if (observed.link(d.name()) != null) {
                deviceOps.add(new Operation.DeleteDevice(d.name()));
                deleted.add(d.name());
            }
        }
        List<Map.Entry<String, String>> sysctls = new ArrayList<>(owned.sysctlOldValues().entrySet());
        for (Map.Entry<String, String> e : sysctls.reversed()) {
            String current = observed.sysctls().get(e.getKey());
            if (current != null && !perDeviceOf(e.getKey(), deleted) && !Objects.equals(current, e.getValue())) {
                ops.add(new Operation.RestoreSysctl(e.getKey(), e.getValue()));
            }
        }
        ops.addAll(deviceOps);
        return new Plan(ops);
    }

    private static void checkCompatibleTun(ObservedLink link) throws PlanException {
        String expected = " (expected: no device named " + link.name()
                + " or a single-queue tun without packet information; or set another decap-device)";
        if (!"tun".equals(link.kind())) {
            throw new PlanException("device " + link.name() + " exists but is "
                    + (link.kind() == null ? "not a tun device" : "a " + link.kind() + " device, not a tun") + expected);
        }
        if (link.tunPi()) {
            throw new PlanException("device " + link.name() + " is a tun with packet information (pi on)" + expected);
        }
        if (link.tunMultiQueue()) {
            throw new PlanException("device " + link.name() + " is a multi-queue tun" + expected);
        }
    }

    private static boolean perDeviceOf(String key, Set<String> devices) {
        for (String d : devices) {
            if (AgentState.isPerDeviceKey(key, d)) {
                return true;
            }
        }
        return false;
    }
}
