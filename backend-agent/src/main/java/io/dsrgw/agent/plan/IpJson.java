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
     * "linkinfo":{"info_kind":"tun","info_data":{"pi":false,"multi_queue":false}},"inet6_addr_gen_mode":"none"}]},
     * or for a tunnel {@code "mtu":1476,"linkinfo":{"info_kind":"gre","info_data":{"remote":"any",
     * "local":"10.0.3.11","ikey":"0.0.0.42",...}}}.
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
            int mtu = l.path("mtu").asInt(-1);
            Map<String, String> infoData = new LinkedHashMap<>();
            data.fields().forEachRemaining(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    infoData.put(e.getKey(), e.getValue().asText());
                }
            });
            links.put(name, new ObservedLink(name, index, up, kind, pi, mq, agm, mtu, infoData));
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

    /**
     * The source address the kernel picks towards {@code destination}, from {@code ip -j route get D}:
     * {@code [{"dst":"10.0.2.2","gateway":"10.0.3.1","dev":"eth0","prefsrc":"10.0.3.11",...}]}; null when the
     * route has none.
     */
    public static String parseRoutePrefsrc(String json, String command) throws IOException {
        for (JsonNode r : rootArray(json, command)) {
            JsonNode p = r.get("prefsrc");
            if (p != null && p.isTextual()) {
                try {
                    return Addresses.canonical(p.asText());
                } catch (IllegalArgumentException e) {
                    throw new IOException(command + ": unexpected JSON: prefsrc: " + p.asText()
                            + " (expected: an IP literal)");
                }
            }
        }
        return null;
    }

    /**
     * Parses {@code ip -j fou show}: {@code [{"port":6080,"gue":null,"family":"inet"},{"port":5555,"ipproto":4,
     * "family":"inet6"}]} (iproute2's ipfou.c; {@code gue} is a key with a null value). Empty output (no fou port,
     * or an iproute2 that prints nothing for an empty dump) is an empty list.
     */
    public static List<ObservedFouPort> parseFouPorts(String json, String command) throws IOException {
        List<ObservedFouPort> out = new ArrayList<>();
        if (json.isBlank()) {
            return out;
        }
        for (JsonNode f : rootArray(json, command)) {
            int port = required(f, "port", command).asInt(-1);
            if (port < 1 || port > 65535) {
                throw new IOException(command + ": unexpected JSON: port " + f.get("port") + " (expected: 1..65535)");
            }
            String family = f.path("family").asText("inet");
            boolean gue = f.has("gue");
            int ipproto = gue ? -1 : f.path("ipproto").asInt(-1);
            out.add(new ObservedFouPort(port, "inet6".equals(family) ? 6 : 4, gue, ipproto));
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
