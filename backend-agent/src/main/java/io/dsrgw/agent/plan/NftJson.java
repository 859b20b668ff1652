package io.dsrgw.agent.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses nft's JSON output ({@code nft -j}, schema version 1, as nftables 1.0.6 prints it):
 * <pre>
 * {"nftables": [{"metainfo": {...}},
 *   {"table": {"family": "inet", "name": "dsrgw_agent", "handle": 2}},
 *   {"set": {"family": "inet", "name": "vips4", "table": "dsrgw_agent", "type": "ipv4_addr", "elem": ["10.100.0.1"]}},
 *   {"chain": {"family": "inet", "table": "dsrgw_agent", "name": "mss_clamp", "type": "filter", "hook": "output",
 *              "prio": -150, "policy": "accept"}},
 *   {"rule": {"family": "inet", "table": "dsrgw_agent", "chain": "mss_clamp", "comment": "...", "expr": [...]}}]}
 * </pre>
 */
public final class NftJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NftJson() {
    }

    /** From {@code nft -j list tables}: whether the table {@code family name} exists. */
    public static boolean hasTable(String json, String command, String family, String name) throws IOException {
        for (JsonNode item : items(json, command)) {
            JsonNode t = item.get("table");
            if (t != null && family.equals(t.path("family").asText()) && name.equals(t.path("name").asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * From {@code nft -j list table inet dsrgw_agent}: its sets (elements canonicalised), counter names, base
     * chains and
     * rules (comment only; a rule without a comment gets the empty comment, which no desired rule has).
     * Regular (non-base) chains are read with hook "" so that they never match a desired base chain.
     */
    public static NftTable parseTable(String json, String command) throws IOException {
        List<NftTable.NftSet> sets = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        Map<String, JsonNode> chains = new LinkedHashMap<>();
        Map<String, List<NftTable.NftRule>> rules = new LinkedHashMap<>();
        for (JsonNode item : items(json, command)) {
            if (item.has("set")) {
                JsonNode s = item.get("set");
                List<String> elements = new ArrayList<>();
                for (JsonNode e : s.path("elem")) {
                    // Our sets hold plain addresses; anything else (prefix, range) is kept as text: a mismatch.
                    elements.add(e.isTextual() ? canonical(e.asText()) : e.toString());
                }
                if (elements.isEmpty()) {
                    elements.add("(empty)");
                }
                sets.add(new NftTable.NftSet(text(s, "name", command), text(s, "type", command), elements));
            } else if (item.has("counter")) {
                counters.add(text(item.get("counter"), "name", command));
            } else if (item.has("chain")) {
                JsonNode c = item.get("chain");
                chains.put(text(c, "name", command), c);
                rules.putIfAbsent(text(c, "name", command), new ArrayList<>());
            } else if (item.has("rule")) {
                JsonNode r = item.get("rule");
                String comment = r.path("comment").isTextual() ? r.path("comment").asText() : "";
                rules.computeIfAbsent(text(r, "chain", command), k -> new ArrayList<>())
                        .add(new NftTable.NftRule(null, comment.replace("\"", "").replace("'", "")));
            }
        }
        List<NftTable.NftChain> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : chains.entrySet()) {
            JsonNode c = e.getValue();
            out.add(new NftTable.NftChain(e.getKey(), c.path("type").asText(""), c.path("hook").asText(""),
                    c.path("prio").asInt(0), c.path("policy").asText(""), rules.get(e.getKey())));
        }
        return new NftTable(sets, counters, out);
    }

    /**
     * From {@code nft -j list table inet dsrgw_agent}: named counter -> packets counted, in table order.
     */
    public static Map<String, Long> counterPackets(String json, String command) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (JsonNode item : items(json, command)) {
            JsonNode c = item.get("counter");
            if (c != null) {
                out.put(text(c, "name", command), c.path("packets").asLong(0));
            }
        }
        return out;
    }

    private static String canonical(String literal) {
        try {
            return Addresses.canonical(literal);
        } catch (IllegalArgumentException e) {
            return literal;
        }
    }

    private static JsonNode items(String json, String command) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException(command + ": output is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.path("nftables").isArray()) {
            throw new IOException(command + ": unexpected JSON (expected: an object with an \"nftables\" array)");
        }
        return root.get("nftables");
    }

    private static String text(JsonNode n, String field, String command) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IOException(command + ": unexpected JSON: missing \"" + field + "\" in " + n);
        }
        return v.asText();
    }
}
