package io.dsrgw.agent.plan;

import java.util.List;
import java.util.Objects;

/**
 * The agent's own nftables table ({@code table inet dsrgw_agent}): named sets and base chains. The
 * agent owns this table by its name (nothing else may use it); it replaces the table as a whole, in one
 * nft transaction, whenever what is observed differs from what is desired, and deletes it on
 * {@code down} or when the configuration wants no chain at all.
 *
 * <p>Chains: {@link MssClamp#CHAIN} (output hook, lowers the MSS of SYN-ACKs from VIPs) and, in kernel mode,
 * {@link TunnelFilter#CHAIN} (input hook, tunnel protocols only from the gateways, the rest dropped and counted
 * in named counters).
 *
 * @param sets     named sets, referenced from rules as {@code @name}
 * @param counters named counter objects, referenced from rules as {@code counter name NAME}; their values
 *                 restart at 0 whenever the table is replaced
 * @param chains   base chains, in this order
 */
public record NftTable(List<NftSet> sets, List<String> counters, List<NftChain> chains) {
    /** Address family of the table: {@code inet} covers IPv4 and IPv6 with one table. */
    public static final String FAMILY = "inet";
    /** Name of the table; owned by the agent. */
    public static final String NAME = "dsrgw_agent";
    /** {@code inet dsrgw_agent}, as nft commands name it. */
    public static final String QUALIFIED_NAME = FAMILY + " " + NAME;

    public NftTable {
        sets = List.copyOf(sets);
        counters = List.copyOf(counters);
        chains = List.copyOf(chains);
    }

    /** Without counters. */
    public NftTable(List<NftSet> sets, List<NftChain> chains) {
        this(sets, List.of(), chains);
    }

    /**
     * Both tables in one (sets, counters and chains of {@code a} first); either may be null.
     *
     * @return null when both are null
     */
    public static NftTable merge(NftTable a, NftTable b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        List<NftSet> sets = new java.util.ArrayList<>(a.sets);
        sets.addAll(b.sets);
        List<String> counters = new java.util.ArrayList<>(a.counters);
        counters.addAll(b.counters);
        List<NftChain> chains = new java.util.ArrayList<>(a.chains);
        chains.addAll(b.chains);
        return new NftTable(sets, counters, chains);
    }

    /**
     * The one nft transaction that makes the table exactly this, whether or not (and however) it exists:
     * {@code add table} (so that {@code delete} cannot fail), {@code delete table}, then the complete
     * table. nft applies the whole input atomically: packets see the old table or the new one, never a
     * half-built one. One line, statements separated by {@code ;}, so a plan prints one command per line.
     */
    public String script() {
        StringBuilder sb = new StringBuilder();
        sb.append("add table ").append(QUALIFIED_NAME).append("; delete table ").append(QUALIFIED_NAME)
                .append("; table ").append(QUALIFIED_NAME).append(" {");
        for (NftSet s : sets) {
            sb.append(" set ").append(s.name()).append(" { type ").append(s.type()).append("; elements = { ")
                    .append(String.join(", ", s.elements())).append(" }; };");
        }
        for (String c : counters) {
            sb.append(" counter ").append(c).append(" { };");
        }
        for (NftChain c : chains) {
            sb.append(" chain ").append(c.name()).append(" { type ").append(c.type()).append(" hook ")
                    .append(c.hook()).append(" priority ").append(c.priority()).append("; policy ")
                    .append(c.policy()).append(";");
            for (NftRule r : c.rules()) {
                sb.append(' ').append(r.statement()).append(" comment \"").append(r.comment()).append("\";");
            }
            sb.append(" };");
        }
        return sb.append(" }").toString();
    }

    /**
     * True when {@code observed} (as read back by {@link NftJson#parseTable}) is this table: the same
     * sets with the same elements, the same counter names, the same chains with the same type, hook, priority
     * and policy, and
     * in each chain the same rules in the same order. Rules are identified by their comment, which
     * carries every parameter ({@code dsrgw mss-clamp ipv4 1436}), because nft prints a rule back in a
     * normalised form that differs from what was written; a rule edited by hand that keeps the agent's
     * comment is therefore not noticed (the agent owns the table: do not edit it).
     */
    public boolean matches(NftTable observed) {
        if (observed == null || observed.sets.size() != sets.size() || observed.chains.size() != chains.size()
                || !new java.util.HashSet<>(observed.counters).equals(new java.util.HashSet<>(counters))) {
            return false;
        }
        for (NftSet s : sets) {
            if (!observed.sets.contains(s)) {
                return false;
            }
        }
        for (int i = 0; i < chains.size(); i++) {
            NftChain want = chains.get(i);
            NftChain have = observed.chains.stream().filter(c -> c.name().equals(want.name())).findFirst()
                    .orElse(null);
            if (have == null || !want.sameHook(have) || have.rules().size() != want.rules().size()) {
                return false;
            }
            for (int r = 0; r < want.rules().size(); r++) {
                if (!Objects.equals(want.rules().get(r).comment(), have.rules().get(r).comment())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A named set.
     *
     * @param name     set name
     * @param type     element type ({@code ipv4_addr}, {@code ipv6_addr})
     * @param elements non-empty; canonical literals, sorted (so equal sets compare equal)
     */
    public record NftSet(String name, String type, List<String> elements) {
        public NftSet {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            elements = elements.stream().sorted().distinct().toList();
            if (elements.isEmpty()) {
                throw new IllegalArgumentException("set " + name + ": no elements (expected: at least one)");
            }
        }
    }

    /**
     * A base chain.
     *
     * @param name     chain name
     * @param type     {@code filter}
     * @param hook     {@code output}, {@code input}, ...
     * @param priority numeric priority (-150 = mangle), as nft prints it back
     * @param policy   {@code accept} or {@code drop}
     * @param rules    in order
     */
    public record NftChain(String name, String type, String hook, int priority, String policy, List<NftRule> rules) {
        public NftChain {
            rules = List.copyOf(rules);
        }

        boolean sameHook(NftChain o) {
            return name.equals(o.name) && type.equals(o.type) && hook.equals(o.hook) && priority == o.priority
                    && policy.equals(o.policy);
        }
    }

    /**
     * A rule.
     *
     * @param statement the rule in nft syntax (null for a rule read back from the host: nft prints a
     *                  normalised form, so only the comment identifies it)
     * @param comment   identity and parameters of the rule; no double quotes
     */
    public record NftRule(String statement, String comment) {
        public NftRule {
            Objects.requireNonNull(comment, "comment");
            if (comment.indexOf('"') >= 0 || comment.indexOf('\'') >= 0) {
                throw new IllegalArgumentException("rule comment " + comment + " (expected: no quotes)");
            }
        }
    }
}
