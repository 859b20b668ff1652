package io.dsrgw.agent.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.agent.plan.CommandResult;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.NftJson;
import io.dsrgw.agent.plan.NftTable;
import io.dsrgw.agent.plan.TunnelFilter;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kernel mode's counters for {@code /status}, read with two commands (so only from the reconciling thread,
 * once per reconcile-interval, never on the endpoint's event loop):
 * <pre>
 * decap_packets                  sum of the agent's tunnel devices' received packets
 * decap_packets.&lt;device&gt;         per tunnel device (ip -j -s link show: stats64.rx.packets)
 * drop_rx_errors.&lt;device&gt;        stats64.rx.errors (e.g. bad GRE checksum, wrong key)
 * drop_rx_dropped.&lt;device&gt;       stats64.rx.dropped
 * tunnel_drop_ipv4, tunnel_drop_ipv6   the nftables tunnel source filter: not from a configured gateway
 * </pre>
 */
public final class KernelCounters {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LINKS = List.of("ip", "-j", "-s", "link", "show");
    private static final List<String> TABLE = List.of("nft", "-j", "list", "table", NftTable.FAMILY, NftTable.NAME);

    private KernelCounters() {
    }

    /**
     * Reads the counters of {@code devices} (absent devices are skipped: drift shows them) and of the filter.
     *
     * @throws IOException a command failed or printed something unexpected, with the command in the message
     */
    public static Map<String, Long> read(Host host, Collection<String> devices) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        String command = String.join(" ", LINKS);
        CommandResult links = host.run(LINKS);
        if (!links.ok()) {
            throw new IOException(links.failureMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(links.stdout());
        } catch (JsonProcessingException e) {
            throw new IOException(command + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IOException(command + ": expected a JSON array of links");
        }
        long total = 0;
        Map<String, Long> perDevice = new LinkedHashMap<>();
        for (JsonNode link : root) {
            String name = link.path("ifname").asText();
            if (!devices.contains(name)) {
                continue;
            }
            JsonNode rx = link.path("stats64").path("rx");
            long packets = rx.path("packets").asLong(0);
            total += packets;
            perDevice.put("decap_packets." + name, packets);
            perDevice.put("drop_rx_errors." + name, rx.path("errors").asLong(0));
            perDevice.put("drop_rx_dropped." + name, rx.path("dropped").asLong(0));
        }
        out.put("decap_packets", total);
        out.putAll(perDevice);
        CommandResult table = host.run(TABLE);
        if (table.ok()) {
            Map<String, Long> c = NftJson.counterPackets(table.stdout(), String.join(" ", TABLE));
            for (String name : List.of(TunnelFilter.COUNTER_DROP4, TunnelFilter.COUNTER_DROP6,
                    TunnelFilter.COUNTER_INNER_DROP4, TunnelFilter.COUNTER_INNER_DROP6)) {
                if (c.containsKey(name)) {
                    out.put(name, c.get(name));
                }
            }
        }
        // A missing table is drift (the read-back reports it); its counters are then simply absent.
        return out;
    }
}
