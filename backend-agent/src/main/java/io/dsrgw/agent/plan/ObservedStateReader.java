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
        return new ObservedState(links, addresses, sysctls, owned);
    }
}
