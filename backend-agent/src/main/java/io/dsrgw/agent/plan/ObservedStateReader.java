package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the {@link ObservedState} from the host: {@code ip -j -d link show}, {@code ip -j addr show dev D}, sysctls. */
public final class ObservedStateReader {
    private ObservedStateReader() {
    }

    /**
     * Reads what {@code desired} and {@code owned} refer to.
     *
     * @param desired the desired state, or null when only the owned state matters ({@code down})
     * @param owned   the state file's content
     * @throws IOException a command failed (message: command, exit status, stderr) or printed unexpected output
     */
    public static ObservedState read(Host host, DesiredState desired, AgentState owned) throws IOException {
        Map<String, ObservedLink> links = IpJson.parseLinks(
                host.run(List.of("ip", "-j", "-d", "link", "show")).orThrow().stdout(), "ip -j -d link show");

        Set<String> addressDevices = new LinkedHashSet<>();
        Set<String> sysctlKeys = new LinkedHashSet<>();
        if (desired != null) {
            desired.addresses().forEach(a -> addressDevices.add(a.device()));
            sysctlKeys.addAll(desired.sysctls().keySet());
        }
        owned.createdAddresses().forEach(a -> addressDevices.add(a.device()));
        sysctlKeys.addAll(owned.sysctlOldValues().keySet());

        List<ObservedAddress> addresses = new ArrayList<>();
        for (String dev : addressDevices) {
            if (links.containsKey(dev)) {
                List<String> argv = List.of("ip", "-j", "addr", "show", "dev", dev);
                addresses.addAll(IpJson.parseAddresses(host.run(argv).orThrow().stdout(), String.join(" ", argv)));
            }
        }
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (String key : sysctlKeys) {
            sysctls.put(key, host.readSysctl(key));
        }
        List<ObservedFouPort> fouPorts = List.of();
        if ((desired != null && !desired.fouPorts().isEmpty()) || !owned.createdFouPorts().isEmpty()) {
            fouPorts = readFouPorts(host);
        }
        return new ObservedState(links, addresses, sysctls, owned,
                readNftTable(host, desired != null && desired.nftTable() != null), fouPorts);
    }

    /** {@code ip -j fou show}: the kernel's fou receive ports (fails without the fou module). */
    static List<ObservedFouPort> readFouPorts(Host host) throws IOException {
        List<String> argv = List.of("ip", "-j", "fou", "show");
        CommandResult r = host.run(argv);
        if (!r.ok()) {
            throw new IOException(r.failureMessage() + " (expected: the kernel's fou module, which kernel-mode gue"
                    + " needs: modprobe fou)");
        }
        return IpJson.parseFouPorts(r.stdout(), String.join(" ", argv));
    }

    /**
     * The agent's table as {@code nft -j list table inet dsrgw_agent} shows it, or null when it does not
     * exist ({@code nft -j list tables} first, so that "absent" is never guessed from an error message).
     *
     * @param required whether the configuration needs nft; if not, a host without nft simply has no table
     */
    static NftTable readNftTable(Host host, boolean required) throws IOException {
        List<String> tables = List.of("nft", "-j", "list", "tables");
        CommandResult r;
        try {
            r = host.run(tables);
        } catch (IOException e) {
            if (required) {
                throw new IOException(e.getMessage() + " (the mss-clamp needs nftables: install nft or set"
                        + " mss-clamp.enabled = false)", e);
            }
            return null;
        }
        String command = String.join(" ", tables);
        if (!NftJson.hasTable(r.orThrow().stdout(), command, NftTable.FAMILY, NftTable.NAME)) {
            return null;
        }
        List<String> list = List.of("nft", "-j", "list", "table", NftTable.FAMILY, NftTable.NAME);
        return NftJson.parseTable(host.run(list).orThrow().stdout(), String.join(" ", list));
    }
}
