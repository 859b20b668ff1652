package io.dsrgw.agent.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses iproute2's JSON output ({@code ip -j}). Only the fields the agent needs are read; unknown
 * fields are ignored, missing required ones are an error naming the command.
 */
public final class IpJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IpJson() {
    }

    /**
     * Parses {@code ip -j -d link show}: {@code [{"ifindex":2,"ifname":"dsrdecap0","flags":["UP",...],
     * "linkinfo":{"info_kind":"tun","info_data":{"pi":false,"multi_queue":false}},"inet6_addr_gen_mode":"none"}]}.
     */
    public static Map<String, ObservedLink> parseLinks(String json, String command) throws IOException {
        Map<String, ObservedLink> links = new LinkedHashMap<>();
        for (JsonNode l : rootArray(json, command)) {
            String name = required(l, "ifname", command).asText();
            int index = required(l, "ifindex", command).asInt();
            boolean up = false;
            for (JsonNode f : l.path("flags")) {
                up |= "UP".equals(f.asText());
            }
            JsonNode info = l.path("linkinfo");
            String kind = info.path("info_kind").isTextual() ? info.path("info_kind").asText() : null;
            JsonNode data = info.path("info_data");
            boolean pi = data.path("pi").asBoolean(false);
            boolean mq = data.path("multi_queue").asBoolean(false);
            String agm = l.path("inet6_addr_gen_mode").isTextual() ? l.path("inet6_addr_gen_mode").asText() : null;
            links.put(name, new ObservedLink(name, index, up, kind, pi, mq, agm));
        }
        return links;
    }

    /**
     * Parses {@code ip -j addr show [dev D]}: {@code [{"ifname":"lo","addr_info":[{"family":"inet",
     * "local":"10.100.0.1","prefixlen":32,"label":"lo:dsrvip"}]}]}. Addresses are canonicalised.
     */
    public static List<ObservedAddress> parseAddresses(String json, String command) throws IOException {
        List<ObservedAddress> out = new ArrayList<>();
        for (JsonNode l : rootArray(json, command)) {
            String dev = required(l, "ifname", command).asText();
            for (JsonNode a : l.path("addr_info")) {
                String family = required(a, "family", command).asText();
                if (!family.equals("inet") && !family.equals("inet6")) {
                    continue;
                }
                String local = required(a, "local", command).asText();
                String canonical;
                try {
                    canonical = Addresses.canonical(local);
                } catch (IllegalArgumentException e) {
                    throw new IOException(command + ": unexpected JSON: local: " + local
                            + " (expected: an IP literal)");
                }
                int prefix = required(a, "prefixlen", command).asInt();
                String label = a.path("label").isTextual() ? a.path("label").asText() : null;
                out.add(new ObservedAddress(dev, family, canonical, prefix, label));
            }
        }
        return out;
    }

    private static JsonNode rootArray(String json, String command) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException(command + ": output is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new IOException(command + ": empty output (expected: a JSON array)");
        }
        if (!root.isArray()) {
            throw new IOException(command + ": unexpected JSON: " + root.getNodeType() + " (expected: an array)");
        }
        return root;
    }

    private static JsonNode required(JsonNode n, String field, String command) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IOException(command + ": unexpected JSON: missing \"" + field + "\" in " + n);
        }
        return v;
    }
}
