package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;
import io.dsrgw.agent.state.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** apply / re-apply / drift / down against a simulated host: reader, planner, executor and state file together. */
class ReconcilerTest {
    static final DesiredState DESIRED = DesiredState.userspace("dsrdecap0",
            List.of(InetAddress.ofLiteral("10.100.0.1"), InetAddress.ofLiteral("10.100.0.2")));

    @TempDir
    Path dir;

    @Test
    void shouldApplyThenPlanNothingThenDownBackToTheOriginalHost() throws Exception {
        FakeHost host = FakeHost.typical();
        String before = host.snapshot();
        Path stateFile = dir.resolve("sub/agent-state.conf");
        Reconciler r = new Reconciler(host, DESIRED, stateFile);

        List<Operation> applied = r.apply(op -> { });
        assertEquals(9, applied.size(), applied.toString());
        assertTrue(r.plan().isEmpty(), r.plan().toString());
        int commandsBefore = host.commands.size();
        assertTrue(r.apply(op -> { }).isEmpty(), "re-running apply must change nothing");
        assertTrue(host.commands.subList(commandsBefore, host.commands.size()).stream()
                .allMatch(c -> c.startsWith("ip -j ") || c.startsWith("nft -j ")),
                "re-apply only reads: " + host.commands);

        AgentState owned = StateFile.load(stateFile).orElseThrow();
        assertEquals("2", owned.sysctlOldValues().get("net.ipv4.conf.all.rp_filter"));
        assertEquals(2, owned.createdAddresses().size());

        List<String> down = new ArrayList<>();
        r.down(op -> down.add(op.describe()));
        assertEquals(before, host.snapshot());
        assertFalse(Files.exists(stateFile));
        assertEquals(List.of(
                "ip addr del 10.100.0.2/32 dev lo",
                "ip addr del 10.100.0.1/32 dev lo",
                "sysctl -w net.ipv4.conf.all.arp_announce=0",
                "sysctl -w net.ipv4.conf.all.arp_ignore=0",
                "sysctl -w net.ipv4.conf.all.rp_filter=2",
                "ip link del dev dsrdecap0"), down);
    }

    @Test
    void shouldKeepAVipThatWasOnLoopbackBeforeApplyAcrossDown() throws Exception {
        FakeHost host = FakeHost.typical();
        host.addresses.add(new FakeHost.Addr("lo", "10.100.0.1", 32, "lo"));
        Reconciler r = new Reconciler(host, DESIRED, dir.resolve("state.conf"));

        r.apply(op -> { });

        AgentState owned = r.owned();
        assertEquals(List.of(new AgentState.Address("lo", "10.100.0.2", 32, "lo:dsrvip")), owned.createdAddresses());
        r.down(op -> { });
        assertTrue(host.addresses.contains(new FakeHost.Addr("lo", "10.100.0.1", 32, "lo")), host.snapshot());
        assertTrue(host.addresses.stream().noneMatch(a -> a.address().equals("10.100.0.2")));
    }

    @Test
    void shouldKeepTheOriginalSysctlValueWhenRepairingDrift() throws Exception {
        FakeHost host = FakeHost.typical();
        Path stateFile = dir.resolve("state.conf");
        Reconciler r = new Reconciler(host, DESIRED, stateFile);
        r.apply(op -> { });

        host.sysctls.put("net.ipv4.conf.all.arp_ignore", "0");            // someone reverts it
        host.addresses.removeIf(a -> a.address().equals("10.100.0.2"));    // and removes a VIP
        List<String> repaired = r.apply(op -> { }).stream().map(Operation::describe).toList();

        assertEquals(List.of("sysctl -w net.ipv4.conf.all.arp_ignore=1",
                "ip addr add 10.100.0.2/32 dev lo label lo:dsrvip"), repaired);
        assertEquals("0", r.owned().sysctlOldValues().get("net.ipv4.conf.all.arp_ignore"));
        r.down(op -> { });
        assertEquals("0", host.sysctls.get("net.ipv4.conf.all.arp_ignore"));
    }

    @Test
    void shouldReportTheFailingCommandWithItsStderrAndKeepWhatSucceededRecorded() throws Exception {
        FakeHost host = FakeHost.typical();
        host.failPrefix = "ip addr add 10.100.0.2";
        Path stateFile = dir.resolve("state.conf");
        Reconciler r = new Reconciler(host, DESIRED, stateFile);

        PlanExecutionException e = assertThrows(PlanExecutionException.class, () -> r.apply(op -> { }));

        assertEquals("step 9/9: ip addr add 10.100.0.2/32 dev lo label lo:dsrvip: exit 2: "
                + "RTNETLINK answers: Operation not permitted", e.getMessage());
        AgentState owned = StateFile.load(stateFile).orElseThrow();
        assertEquals(List.of(new AgentState.Address("lo", "10.100.0.1", 32, "lo:dsrvip")), owned.createdAddresses(),
                "the failed address must not be recorded as created");
        assertEquals(List.of(new AgentState.Device("dsrdecap0", "tun")), owned.createdDevices());
    }

    @Test
    void shouldRecreateADeletedDecapDeviceAndItsSysctl() throws Exception {
        FakeHost host = FakeHost.typical();
        Reconciler r = new Reconciler(host, DESIRED, dir.resolve("state.conf"));
        r.apply(op -> { });

        host.run(List.of("ip", "link", "del", "dev", "dsrdecap0"));
        List<String> repaired = r.apply(op -> { }).stream().map(Operation::describe).toList();

        assertEquals(List.of("ip tuntap add dev dsrdecap0 mode tun", "ip link set dev dsrdecap0 addrgenmode none",
                "ip link set dev dsrdecap0 up", "sysctl -w net.ipv4.conf.dsrdecap0.rp_filter=0"), repaired);
        assertTrue(r.plan().isEmpty());
    }

    @Test
    void shouldUseAnExistingCompatibleTunWithoutClaimingIt() throws Exception {
        FakeHost host = FakeHost.typical();
        host.addLink("dsrdecap0", false, "tun");
        Reconciler r = new Reconciler(host, DESIRED, dir.resolve("state.conf"));

        r.apply(op -> { });
        r.down(op -> { });

        assertTrue(host.links.containsKey("dsrdecap0"), "a device the agent did not create must survive down");
    }
}
