package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static io.dsrgw.agent.plan.PlannerTest.addr;
import static io.dsrgw.agent.plan.PlannerTest.links;
import static io.dsrgw.agent.plan.PlannerTest.lo;
import static io.dsrgw.agent.plan.PlannerTest.tun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPv6 VIPs and the agent's nftables table (MSS clamp) in the planner: fresh, applied, drift, teardown. */
class NftPlanTest {
    static final List<InetAddress> VIPS = List.of(InetAddress.ofLiteral("10.100.0.1"),
            InetAddress.ofLiteral("fd00:100::1"));
    static final NftTable TABLE = table(List.of(TunnelKind.IPIP, TunnelKind.IP6TNL), false);
    static final DesiredState DESIRED = DesiredState.userspace("dsrdecap0", VIPS, TABLE);

    static NftTable table(List<TunnelKind> kinds, boolean keys) {
        try {
            return MssClamp.table(VIPS, kinds, keys, 1500);
        } catch (PlanException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, String> sysctls(String lo6, String decap6) {
        Map<String, String> m = PlannerTest.sysctls("0", "0", "1", "2");
        m.put("net.ipv6.conf.dsrdecap0.disable_ipv6", decap6);
        m.put("net.ipv6.conf.lo.disable_ipv6", lo6);
        return m;
    }

    static ObservedState applied(NftTable observedTable) {
        return new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip"),
                        new ObservedAddress("lo", "inet6", "fd00:100::1", 128, null)),
                sysctls("0", "0"), AgentState.EMPTY, observedTable);
    }

    @Test
    void shouldAddIpv6VipsAsSlash128WithoutDadAndKeepIpv6OnTheTunAndLo() throws Exception {
        ObservedState fresh = new ObservedState(links(lo(true)), List.of(), sysctls("1", null), AgentState.EMPTY);

        List<String> plan = Planner.plan(DESIRED, fresh).describe();

        assertEquals(List.of(
                "ip tuntap add dev dsrdecap0 mode tun",
                "ip link set dev dsrdecap0 addrgenmode none",
                "ip link set dev dsrdecap0 up",
                "sysctl -w net.ipv6.conf.dsrdecap0.disable_ipv6=0",
                "sysctl -w net.ipv6.conf.lo.disable_ipv6=0",
                "ip addr add 10.100.0.1/32 dev lo label lo:dsrvip",
                "ip addr add fd00:100::1/128 dev lo nodad",
                "nft 'add table inet dsrgw_agent; delete table inet dsrgw_agent; table inet dsrgw_agent {"
                        + " set vips4 { type ipv4_addr; elements = { 10.100.0.1 }; };"
                        + " set vips6 { type ipv6_addr; elements = { fd00:100::1 }; };"
                        + " chain mss_clamp { type filter hook output priority -150; policy accept;"
                        + " ip saddr @vips4 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1420"
                        + " tcp option maxseg size set 1420 comment \"dsrgw mss-clamp ipv4 1420\";"
                        + " ip6 saddr @vips6 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1400"
                        + " tcp option maxseg size set 1400 comment \"dsrgw mss-clamp ipv6 1400\"; }; }'"),
                plan);
    }

    @Test
    void shouldRunTheNftScriptAsOneArgument() {
        Operation op = new Operation.ReplaceNftTable(TABLE);

        assertEquals(List.of("nft", TABLE.script()), op.argv());
        assertEquals("nft '" + TABLE.script() + "'", op.describe());
    }

    @Test
    void shouldPlanNothingWhenTheObservedTableMatches() throws Exception {
        Plan plan = Planner.plan(DESIRED, applied(readBack(TABLE)));

        assertTrue(plan.isEmpty(), plan.toString());
    }

    @Test
    void shouldReplaceTheWholeTableOnAnyDrift() throws Exception {
        NftTable.NftChain chain = TABLE.chains().getFirst();
        List<NftTable> drifted = List.of(
                // a rule deleted by hand
                new NftTable(TABLE.sets(), List.of(new NftTable.NftChain(chain.name(), chain.type(), chain.hook(),
                        chain.priority(), chain.policy(), chain.rules().subList(0, 1)))),
                // another MSS (an earlier tunnel-mtu)
                readBack(MssClamp.table(VIPS, List.of(TunnelKind.IPIP, TunnelKind.IP6TNL), false, 1400)),
                // a VIP missing from a set
                new NftTable(List.of(TABLE.sets().get(0), new NftTable.NftSet("vips6", "ipv6_addr",
                        List.of("fd00:100::2"))), TABLE.chains()),
                // the chain moved to another hook
                new NftTable(TABLE.sets(), List.of(new NftTable.NftChain(chain.name(), chain.type(), "postrouting",
                        chain.priority(), chain.policy(), chain.rules()))),
                // an extra chain someone added to the agent's table
                new NftTable(TABLE.sets(), List.of(chain, new NftTable.NftChain("extra", "filter", "input", 0,
                        "accept", List.of()))));
        for (NftTable observed : drifted) {
            Plan plan = Planner.plan(DESIRED, applied(observed));
            assertEquals(1, plan.operations().size(), plan.toString());
            assertInstanceOf(Operation.ReplaceNftTable.class, plan.operations().getFirst());
        }
        // and when it is missing altogether
        assertInstanceOf(Operation.ReplaceNftTable.class, Planner.plan(DESIRED, applied(null)).operations().getFirst());
    }

    @Test
    void shouldDeleteTheTableWhenTheClampIsOffAndOnTeardown() throws Exception {
        DesiredState noClamp = DesiredState.userspace("dsrdecap0", VIPS, null);

        assertEquals(List.of("nft delete table inet dsrgw_agent"),
                Planner.plan(noClamp, applied(readBack(TABLE))).describe());
        assertTrue(Planner.plan(noClamp, applied(null)).isEmpty());
        assertEquals("nft delete table inet dsrgw_agent",
                Planner.teardown(applied(readBack(TABLE))).describe().getFirst());
        assertTrue(Planner.teardown(applied(null)).isEmpty());
    }

    /** What nft -j would give back: rules without statements, identified by their comments. */
    static NftTable readBack(NftTable t) {
        return new NftTable(t.sets(), t.chains().stream().map(c -> new NftTable.NftChain(c.name(), c.type(),
                c.hook(), c.priority(), c.policy(), c.rules().stream()
                .map(r -> new NftTable.NftRule(null, r.comment())).toList())).toList());
    }

    @Test
    void shouldApplyReapplyAndTearDownTheTableOnASimulatedHost(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        FakeHost host = FakeHost.typical();
        host.sysctls.put("net.ipv6.conf.lo.disable_ipv6", "0");
        String before = host.snapshot();
        Reconciler r = new Reconciler(host, DESIRED, dir.resolve("state.conf"));

        r.apply(op -> { });
        assertEquals(TABLE.sets(), host.nftTable.sets());
        assertTrue(r.plan().isEmpty(), r.plan().toString());

        host.nftTable = null;                                        // flushed by someone: drift
        assertEquals(1, r.apply(op -> { }).size());
        assertTrue(r.plan().isEmpty(), r.plan().toString());

        r.down(op -> { });
        assertEquals(before, host.snapshot());
    }

    @Test
    void shouldNotNeedNftWhenTheClampIsOffButFailWithAHintWhenItIsOn(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        FakeHost host = FakeHost.typical();
        host.nftMissing = true;

        new Reconciler(host, DesiredState.userspace("dsrdecap0", VIPS, null), dir.resolve("a.conf")).apply(op -> { });
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> new Reconciler(host, DESIRED, dir.resolve("b.conf")).plan());
        assertTrue(e.getMessage().contains("mss-clamp.enabled = false"), e.getMessage());
    }

    @Test
    void shouldReadBackTheTableNftPrints() throws Exception {
        String json = new String(NftPlanTest.class.getResourceAsStream("/nft-list-table.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);

        NftTable observed = NftJson.parseTable(json, "nft -j list table inet dsrgw_agent");

        assertEquals(List.of(new NftTable.NftSet("vips4", "ipv4_addr", List.of("10.100.0.1")),
                new NftTable.NftSet("vips6", "ipv6_addr", List.of("fd00:100::1"))), observed.sets());
        assertTrue(TABLE.matches(observed), observed.toString());
        assertTrue(NftJson.hasTable("{\"nftables\": [{\"metainfo\": {}}, {\"table\": {\"family\": \"inet\","
                + " \"name\": \"dsrgw_agent\", \"handle\": 2}}]}", "nft -j list tables", "inet", "dsrgw_agent"));
        assertTrue(!NftJson.hasTable("{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"dsrgw_agent\"}}]}",
                "nft -j list tables", "inet", "dsrgw_agent"));
    }
}
