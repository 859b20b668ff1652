package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel GUE receive port the agent wants (kernel mode, {@code tunnels = [gue]}): the {@code fou} module's UDP
 * socket on {@code gue-port} of one family, which strips the outer UDP header of variant-1 GUE (direct IP: no GUE
 * header, the first nibble of the payload is the inner IP version) and hands the inner packet back to the IP
 * layer as protocol 4 (IPv4 inner) or 41 (IPv6 inner), where the ipip / sit (IPv4 outer) or ip6tnl (IPv6 outer)
 * tunnel device bound to the backend address takes it (net/ipv4/fou_core.c, {@code gue_udp_recv}).
 * <pre>
 * ip fou add port 6080 gue          (IPv4 outer)
 * ip fou add port 6080 gue -6       (IPv6 outer)
 * </pre>
 * A fou port is not a device: it is owned through the state file ({@link AgentState#createdFouPorts()}) and
 * identified by (port, family).
 *
 * @param port   gue-port
 * @param family 4 or 6
 */
public record FouPortSpec(int port, int family) {
    public FouPortSpec {
        new AgentState.FouPort(port, family); // validates
    }

    /** {@code ip fou add port N gue [-6]}. */
    public List<String> addArgv() {
        return withFamily(new ArrayList<>(List.of("ip", "fou", "add", "port", Integer.toString(port), "gue")));
    }

    /** {@code ip fou del port N [-6]}. */
    public List<String> deleteArgv() {
        return withFamily(new ArrayList<>(List.of("ip", "fou", "del", "port", Integer.toString(port))));
    }

    private List<String> withFamily(List<String> argv) {
        if (family == 6) {
            argv.add("-6");
        }
        return List.copyOf(argv);
    }

    /** As the state file records it. */
    public AgentState.FouPort toOwned() {
        return new AgentState.FouPort(port, family);
    }

    /** From the state file's record. */
    public static FouPortSpec fromOwned(AgentState.FouPort owned) {
        return new FouPortSpec(owned.port(), owned.family());
    }

    /** "6080 (IPv6)". */
    @Override
    public String toString() {
        return port + " (IPv" + family + ")";
    }
}
