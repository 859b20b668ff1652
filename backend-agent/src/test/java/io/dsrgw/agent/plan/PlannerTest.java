package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planner as a pure function of hand-built (desired, observed) pairs. */
class PlannerTest {
    static final DesiredState DESIRED = DesiredState.userspace("dsrdecap0",
            List.of(InetAddress.ofLiteral("10.100.0.1"), InetAddress.ofLiteral("10.100.0.2")));

    static ObservedLink lo(boolean up) {
        return new ObservedLink("lo", 1, up, null, false, false, "eui64");
    }

    static ObservedLink tun(boolean up, String addrGenMode) {
        return new ObservedLink("dsrdecap0", 7, up, "tun", false, false, addrGenMode);
    }

    static ObservedAddress addr(String address, int prefix, String label) {
        return new ObservedAddress("lo", "inet", address, prefix, label);
    }

    static Map<String, String> sysctls(String allRp, String decapRp, String arpIgnore, String arpAnnounce) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("net.ipv4.conf.all.rp_filter", allRp);
        m.put("net.ipv4.conf.dsrdecap0.rp_filter", decapRp);
        m.put("net.ipv4.conf.all.arp_ignore", arpIgnore);
        m.put("net.ipv4.conf.all.arp_announce", arpAnnounce);
        return m;
    }

    static Map<String, ObservedLink> links(ObservedLink... links) {
        Map<String, ObservedLink> m = new LinkedHashMap<>();
        for (ObservedLink l : links) {
            m.put(l.name(), l);
        }
        return m;
    }

    @Test
    void shouldPlanEverythingInOrderOnAFreshHost() throws Exception {
        ObservedState fresh = new ObservedState(links(lo(true)), List.of(addr("127.0.0.1", 8, "lo")),
                sysctls("2", null, "0", "0"), AgentState.EMPTY);

        Plan plan = Planner.plan(DESIRED, fresh);

        assertEquals(List.of(
                "ip tuntap add dev dsrdecap0 mode tun",
                "ip link set dev dsrdecap0 addrgenmode none",
                "ip link set dev dsrdecap0 up",
                "sysctl -w net.ipv4.conf.all.rp_filter=0",
                "sysctl -w net.ipv4.conf.dsrdecap0.rp_filter=0",
                "sysctl -w net.ipv4.conf.all.arp_ignore=1",
                "sysctl -w net.ipv4.conf.all.arp_announce=2",
                "ip addr add 10.100.0.1/32 dev lo label lo:dsrvip",
                "ip addr add 10.100.0.2/32 dev lo label lo:dsrvip"), plan.describe());
    }

    @Test
    void shouldBringLoopbackUpFirstInAFreshNamespace() throws Exception {
        ObservedState netns = new ObservedState(links(lo(false)), List.of(), sysctls("0", null, "0", "0"),
                AgentState.EMPTY);

        List<String> plan = Planner.plan(DESIRED, netns).describe();

        assertEquals("ip link set dev lo up", plan.getFirst());
        assertTrue(plan.contains("ip tuntap add dev dsrdecap0 mode tun"), plan.toString());
    }

    @Test
    void shouldPlanNothingOnAnAlreadyAppliedHost() throws Exception {
        ObservedState applied = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("127.0.0.1", 8, "lo"), addr("10.100.0.1", 32, "lo:dsrvip"),
                        addr("10.100.0.2", 32, "lo:dsrvip")),
                sysctls("0", "0", "1", "2"), AgentState.EMPTY);

        Plan plan = Planner.plan(DESIRED, applied);

        assertTrue(plan.isEmpty(), plan.toString());
        assertEquals("nothing to change", plan.toString());
    }

    @Test
    void shouldPlanOnlyTheMissingOperationsOnPartialDrift() throws Exception {
        ObservedState drifted = new ObservedState(links(lo(true), tun(false, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip")),
                sysctls("0", "0", "0", "2"), AgentState.EMPTY);

        assertEquals(List.of(
                "ip link set dev dsrdecap0 up",
                "sysctl -w net.ipv4.conf.all.arp_ignore=1",
                "ip addr add 10.100.0.2/32 dev lo label lo:dsrvip"), Planner.plan(DESIRED, drifted).describe());
    }

    @Test
    void shouldTurnOffAddressGenerationOnAnExistingTunBeforeBringingItUp() throws Exception {
        ObservedState s = new ObservedState(links(lo(true), tun(false, "eui64")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip"), addr("10.100.0.2", 32, "lo:dsrvip")),
                sysctls("0", "0", "1", "2"), AgentState.EMPTY);

        assertEquals(List.of("ip link set dev dsrdecap0 addrgenmode none", "ip link set dev dsrdecap0 up"),
                Planner.plan(DESIRED, s).describe());
    }

    @Test
    void shouldTreatAVipWithAnotherPrefixAsMissingButAnUnlabelledOneAsPresent() throws Exception {
        ObservedState s = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 24, "lo"), addr("10.100.0.2", 32, "lo")),
                sysctls("0", "0", "1", "2"), AgentState.EMPTY);

        assertEquals(List.of("ip addr add 10.100.0.1/32 dev lo label lo:dsrvip"), Planner.plan(DESIRED, s).describe());
    }

    @Test
    void shouldRefuseADeviceWithTheDecapNameThatIsNotATun() {
        ObservedState s = new ObservedState(
                links(lo(true), new ObservedLink("dsrdecap0", 3, true, "dummy", false, false, "eui64")),
                List.of(), sysctls("0", "0", "1", "2"), AgentState.EMPTY);

        PlanException e = assertThrows(PlanException.class, () -> Planner.plan(DESIRED, s));

        assertTrue(e.getMessage().startsWith("device dsrdecap0 exists but is a dummy device, not"), e.getMessage());
        assertTrue(e.getMessage().contains("(expected: "), e.getMessage());
    }

    @Test
    void shouldRefuseAMultiQueueOrPacketInformationTun() {
        for (ObservedLink bad : List.of(new ObservedLink("dsrdecap0", 3, true, "tun", true, false, "none"),
                new ObservedLink("dsrdecap0", 3, true, "tun", false, true, "none"))) {
            ObservedState s = new ObservedState(links(lo(true), bad), List.of(), sysctls("0", "0", "1", "2"),
                    AgentState.EMPTY);
            assertThrows(PlanException.class, () -> Planner.plan(DESIRED, s));
        }
    }

    @Test
    void shouldRemoveAnOwnedVipThatIsNoLongerConfiguredButNeverAForeignOne() throws Exception {
        AgentState owned = AgentState.EMPTY
                .withCreatedAddress(new AgentState.Address("lo", "10.100.0.9", 32, "lo:dsrvip"));
        ObservedState s = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip"), addr("10.100.0.2", 32, "lo:dsrvip"),
                        addr("10.100.0.9", 32, "lo:dsrvip"), addr("10.100.0.8", 32, "lo:dsrvip")),
                sysctls("0", "0", "1", "2"), owned);

        assertEquals(List.of("ip addr del 10.100.0.9/32 dev lo"), Planner.plan(DESIRED, s).describe());
    }

    @Test
    void shouldDeleteAnOwnedDecapDeviceAfterARenameAndNotRestoreItsSysctl() throws Exception {
        DesiredState renamed = DesiredState.userspace("dsrnew0", List.of(InetAddress.ofLiteral("10.100.0.1")));
        AgentState owned = AgentState.EMPTY.withCreatedDevice(new AgentState.Device("dsrdecap0", "tun"))
                .withSysctlOldValue("net.ipv4.conf.dsrdecap0.rp_filter", "2");
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.ipv4.conf.all.rp_filter", "0");
        sysctls.put("net.ipv4.conf.dsrnew0.rp_filter", null);
        sysctls.put("net.ipv4.conf.all.arp_ignore", "1");
        sysctls.put("net.ipv4.conf.all.arp_announce", "2");
        sysctls.put("net.ipv4.conf.dsrdecap0.rp_filter", "0");
        ObservedState s = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip")), sysctls, owned);

        assertEquals(List.of(
                "ip tuntap add dev dsrnew0 mode tun",
                "ip link set dev dsrnew0 addrgenmode none",
                "ip link set dev dsrnew0 up",
                "sysctl -w net.ipv4.conf.dsrnew0.rp_filter=0",
                "ip link del dev dsrdecap0"), Planner.plan(renamed, s).describe());
    }

    @Test
    void shouldTearDownOnlyWhatIsOwnedAndStillExistsAndRestoreChangedSysctls() {
        AgentState owned = AgentState.EMPTY
                .withCreatedDevice(new AgentState.Device("dsrdecap0", "tun"))
                .withSysctlOldValue("net.ipv4.conf.all.rp_filter", "2")
                .withSysctlOldValue("net.ipv4.conf.dsrdecap0.rp_filter", "2")
                .withSysctlOldValue("net.ipv4.conf.all.arp_ignore", "0")
                .withSysctlOldValue("net.ipv4.conf.all.arp_announce", "2")   // already the desired value
                .withCreatedAddress(new AgentState.Address("lo", "10.100.0.1", 32, "lo:dsrvip"))
                .withCreatedAddress(new AgentState.Address("lo", "10.100.0.3", 32, "lo:dsrvip")); // gone already
        ObservedState s = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip"), addr("10.100.0.2", 32, "lo")),   // .2 is foreign
                sysctls("0", "0", "1", "2"), owned);

        assertEquals(List.of(
                "ip addr del 10.100.0.1/32 dev lo",
                "sysctl -w net.ipv4.conf.all.arp_ignore=0",
                "sysctl -w net.ipv4.conf.all.rp_filter=2",
                "ip link del dev dsrdecap0"), Planner.teardown(s).describe());
    }

    @Test
    void shouldTearDownNothingWithoutAStateFile() {
        ObservedState s = new ObservedState(links(lo(true), tun(true, "none")),
                List.of(addr("10.100.0.1", 32, "lo:dsrvip")), sysctls("0", "0", "1", "2"), AgentState.EMPTY);

        assertTrue(Planner.teardown(s).isEmpty());
    }
}
