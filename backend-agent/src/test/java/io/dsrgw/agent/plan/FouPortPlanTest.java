package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;
import io.dsrgw.agent.state.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel GUE receive ports ({@code ip fou add port N gue [-6]}) through plan, apply, read-back, leftovers and
 * down, against the simulated host: owned through the state file, opened only after the source filter stands.
 */
class FouPortPlanTest {
    @TempDir
    Path dir;

    private static final List<FouPortSpec> BOTH = List.of(new FouPortSpec(6080, 4), new FouPortSpec(6080, 6));

    private static DesiredState desired(List<FouPortSpec> fou, int guePort) {
        List<InetAddress> gateways = List.of(InetAddress.ofLiteral("10.0.2.2"), InetAddress.ofLiteral("fd00:2::2"));
        return new DesiredState(true, List.of(), Map.of(), List.of(), TunnelFilter.table(gateways, guePort),
                List.of(), fou);
    }

    @Test
    void shouldOpenBothFamiliesPortsAfterTheFilterAndConvergeToAnEmptyPlan() throws Exception {
        FakeHost h = FakeHost.typical();
        Reconciler r = new Reconciler(h, desired(BOTH, 6080), dir.resolve("state.conf"));
        List<String> ops = r.plan().describe();
        int filter = ops.indexOf(ops.stream().filter(o -> o.startsWith("nft ")).findFirst().orElseThrow());
        assertEquals(List.of("ip fou add port 6080 gue", "ip fou add port 6080 gue -6"),
                ops.subList(filter + 1, ops.size()), ops.toString());
        r.apply(op -> { });
        assertEquals(List.of("6080 4 gue", "6080 6 gue"), h.fouPorts);
        assertEquals(List.of(new AgentState.FouPort(6080, 4), new AgentState.FouPort(6080, 6)),
                StateFile.load(dir.resolve("state.conf")).orElseThrow().createdFouPorts());
        assertTrue(r.plan().isEmpty(), r.plan().toString());
    }

    @Test
    void shouldReopenAPortDeletedBehindItsBack() throws Exception {
        FakeHost h = FakeHost.typical();
        Reconciler r = new Reconciler(h, desired(BOTH, 6080), dir.resolve("state.conf"));
        r.apply(op -> { });
        h.fouPorts.remove("6080 6 gue");
        assertEquals(List.of("ip fou add port 6080 gue -6"), r.plan().describe());
    }

    @Test
    void shouldCloseItsOldPortWhenGuePortChangesAndLeaveOthersAlone() throws Exception {
        FakeHost h = FakeHost.typical();
        h.fouPorts.add("7777 4 gue"); // someone else's
        Path state = dir.resolve("state.conf");
        new Reconciler(h, desired(List.of(new FouPortSpec(6080, 4)), 6080), state).apply(op -> { });
        Reconciler moved = new Reconciler(h, desired(List.of(new FouPortSpec(5555, 4)), 5555), state);
        List<String> ops = moved.plan().describe();
        assertTrue(ops.contains("ip fou add port 5555 gue"), ops.toString());
        assertTrue(ops.contains("ip fou del port 6080"), ops.toString());
        assertTrue(ops.stream().noneMatch(o -> o.contains("7777")), ops.toString());
        moved.apply(op -> { });
        assertEquals(List.of("7777 4 gue", "5555 4 gue"), h.fouPorts);
        assertTrue(moved.plan().isEmpty());
    }

    @Test
    void shouldCloseItsPortsFirstOnDownAndRestoreTheHost() throws Exception {
        FakeHost h = FakeHost.typical();
        String before = h.snapshot();
        Path state = dir.resolve("state.conf");
        Reconciler r = new Reconciler(h, desired(BOTH, 6080), state);
        r.apply(op -> { });
        List<String> down = r.down(op -> { }).stream().map(Operation::describe).toList();
        assertEquals(List.of("ip fou del port 6080 -6", "ip fou del port 6080",
                "nft delete table inet dsrgw_agent"), down.subList(0, 3));
        assertEquals(before, h.snapshot());
    }

    @Test
    void shouldRefuseAPlainFouPortOnGuePort() {
        FakeHost h = FakeHost.typical();
        h.fouPorts.add("6080 4 ipproto 4");
        PlanException e = assertThrows(PlanException.class,
                () -> new Reconciler(h, desired(BOTH, 6080), dir.resolve("state.conf")).plan());
        assertEquals("fou port 6080 (IPv4) exists as ipproto 4, not gue (expected: no fou port on gue-port 6080,"
                + " or another gue-port on the gateways and this agent)", e.getMessage());
    }

    @Test
    void shouldSayThatTheFouModuleIsMissing() {
        FakeHost h = FakeHost.typical();
        h.fouModule = false;
        var e = assertThrows(java.io.IOException.class,
                () -> new Reconciler(h, desired(BOTH, 6080), dir.resolve("state.conf")).plan());
        assertEquals("ip -j fou show: exit 1: RTNETLINK answers: No such file or directory Error talking to the"
                + " kernel (expected: the kernel's fou module, which kernel-mode gue needs: modprobe fou)",
                e.getMessage());
    }

    @Test
    void shouldKeepTheStateFileReadableWithAndWithoutFouPorts() throws Exception {
        AgentState s = AgentState.EMPTY.withCreatedFouPort(new AgentState.FouPort(6080, 6));
        assertEquals(s, StateFile.parse(StateFile.render(s), "t"));
        assertTrue(!StateFile.render(AgentState.EMPTY).contains("fouPorts"), "older agents' files stay the same");
        var e = assertThrows(java.io.IOException.class, () -> StateFile.parse(
                "{\"version\":1,\"fouPorts\":[{\"port\":6080,\"family\":5}]}", "t"));
        assertEquals("state file t: fouPorts[].family: malformed (expected: 4 or 6 (found 5))", e.getMessage());
    }

    @Test
    void shouldParseIproutesFouJson() throws Exception {
        assertEquals(List.of(new ObservedFouPort(6080, 4, true, -1), new ObservedFouPort(5555, 6, false, 4)),
                IpJson.parseFouPorts("[{\"port\":6080,\"gue\":null,\"family\":\"inet\"},"
                        + "{\"port\":5555,\"ipproto\":4,\"family\":\"inet6\"}]\n", "ip -j fou show"));
        assertEquals(List.of(), IpJson.parseFouPorts("", "ip -j fou show"));
    }
}
