package io.dsrgw.harness.vm;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.encap.tunnel.TunnelKind;

/**
 * The backend side of the {@link KernelLab} done by the real agent: {@code dsr-agent apply} in kernel (or auto) mode
 * inside the VM, from the 9p-shared distribution on the shared JDK. The configuration accepts every
 * {@link TunnelCase}: both gateway addresses of the lab, both VIPs, all five kinds, GRE key 42, and the VM's eth0
 * addresses as tunnel endpoints. {@link #apply} first captures the {@link GuestState} so that a test can prove that
 * {@code down} restores it exactly ({@link #beforeApply()}).
 *
 * <p>{@link #startRun()} runs {@code dsr-agent run} in the background of the guest (its log in
 * {@code /run/NAME.log}); it reconciles every {@value #RECONCILE_SECONDS} s. The JVM in the guest runs under
 * software emulation: one agent command takes 9-25 s there (apply the most), so tests call it sparingly.
 */
public final class AgentKernelSetup implements BackendSetup {
    public static final String CONFIG = "/run/dsr-agent.conf";
    public static final String STATE_FILE = "/run/dsrgw/agent-state.conf";
    public static final String RUN_NAME = "agent";
    public static final int RECONCILE_SECONDS = 2;
    public static final Pattern READY = Pattern.compile("^dsr-agent: ready");
    /** The agent's device names (backend-agent README, "Kernel mode"): key 42 = 0x2a in the keyed GRE names. */
    public static final String IPIP = "dsripip";
    public static final String SIT = "dsrsit";
    public static final String GRE = "dsrgre";
    public static final String GRE_KEY42 = "dsrgk2a";
    public static final String IP6TNL = "dsrip6tnl";
    public static final String IP6GRE = "dsrip6gre";
    public static final String IP6GRE_KEY42 = "dsr6gk2a";
    /**
     * C1 only and the serial GC: a short-lived JVM under TCG. (A dynamic CDS archive in the guest's tmpfs was tried:
     * the JVM reports an error processing it on stdout, which would corrupt the output of {@code plan}.)
     */
    private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k";
    private static final Logger LOG = LoggerFactory.getLogger(AgentKernelSetup.class);

    private final String mode;
    private final String configPath;
    private final String stateFile;
    private final String runName;
    private GuestState beforeApply;
    private String applyOutput;
    private long runPid = -1;

    /** Kernel mode with {@link #CONFIG}, {@link #STATE_FILE} and the background name {@link #RUN_NAME}. */
    public AgentKernelSetup() {
        this("kernel", CONFIG, STATE_FILE, RUN_NAME);
    }

    /**
     * @param mode       the agent's {@code mode}: kernel or auto
     * @param configPath where the configuration is written in the guest
     * @param stateFile  the agent's state-file in the guest
     * @param runName    name of {@code dsr-agent run} in the guest's background ({@code /run/NAME.log})
     */
    public AgentKernelSetup(String mode, String configPath, String stateFile, String runName) {
        if (!mode.equals("kernel") && !mode.equals("auto")) {
            throw new IllegalArgumentException("mode " + mode + " (expected: kernel or auto)");
        }
        this.mode = mode;
        this.configPath = configPath;
        this.stateFile = stateFile;
        this.runName = runName;
    }

    /** The agent configuration for the lab (schema: conf's reference.conf, {@code dsrgw.agent}). */
    public static String config(String mode, String stateFile) {
        return """
                # Written by io.dsrgw.harness.vm.AgentKernelSetup: every TunnelCase of the lab.
                dsrgw.agent {
                  mode = %s
                  gateways = ["%s", "%s"]
                  vips = ["%s", "%s"]
                  tunnels = [ipip, sit, gre, ip6tnl, ip6gre, gue]
                  gre-keys = [42]
                  local-address { ipv4 = "%s", ipv6 = "%s" }
                  reconcile-interval = %ds
                  state-file = "%s"
                }
                """.formatted(mode, VmNetwork.HOST4, VmNetwork.HOST6, TunnelCase.VIP4, TunnelCase.VIP6,
                VmNetwork.GUEST4, VmNetwork.GUEST6, RECONCILE_SECONDS, stateFile);
    }

    /** {@code dsr-agent ARGS} in the guest (shared JDK and distribution), quoted for sh by the caller. */
    public static String command(String args) {
        return "DSRGW_JAVA_OPTS='" + JAVA_OPTS + "' " + KernelLab.agentCommand(args);
    }

    /** Writes the configuration, captures the guest state, then {@code dsr-agent apply}; fails unless it exits 0. */
    @Override
    public void apply(Vm vm) throws IOException {
        writeConfig(vm, configPath, config(mode, stateFile));
        if (beforeApply == null) {
            beforeApply = GuestState.capture(vm);
        }
        applyOutput = agent(vm, "apply").output();
    }

    /** Writes {@code text} to {@code path} in the guest. */
    public static void writeConfig(Vm vm, String path, String text) throws IOException {
        vm.check("mkdir -p /run/dsrgw && cat > " + path + " <<'DSRGW_EOF'\n" + text + "DSRGW_EOF");
    }

    /** {@code dsr-agent SUBCOMMAND --config CONFIG} in the guest; throws unless it exits 0. */
    public GuestResult agent(Vm vm, String subcommand) throws IOException {
        long t0 = System.nanoTime();
        GuestResult r = vm.exec(command(subcommand + " --config " + configPath), Duration.ofSeconds(120));
        LOG.info("dsr-agent {} in the VM: exit {} in {} s", subcommand, r.exitCode(),
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        return r.check();
    }

    @Override
    public String device(Vm vm, TunnelCase c) {
        return deviceFor(c);
    }

    /** The agent's device for {@code c}. */
    public static String deviceFor(TunnelCase c) {
        return switch (c.deviceKind()) {
            case IPIP -> IPIP;
            case SIT -> SIT;
            case GRE -> c.greKey() != null ? GRE_KEY42 : GRE;
            case IP6TNL -> IP6TNL;
            case IP6GRE -> c.greKey() != null ? IP6GRE_KEY42 : IP6GRE;
            case GUE, GUE6 -> throw new AssertionError("deviceKind() is never gue");
            case NONE -> throw new IllegalArgumentException("none (L2 DSR) has no tunnel device");
        };
    }

    /**
     * Every device the configuration asks for, with its MTU at tunnel-mtu 1500: ipip, sit and ip6tnl also take
     * GUE's inner packets, so they are sized for GUE's overhead (28 over IPv4, 48 over IPv6).
     */
    public static java.util.Map<String, Integer> expectedMtus() {
        java.util.Map<String, Integer> m = new java.util.LinkedHashMap<>();
        m.put(IPIP, 1472);
        m.put(SIT, 1472);
        m.put(GRE, 1476);
        m.put(GRE_KEY42, 1472);
        m.put(IP6TNL, 1452);
        m.put(IP6GRE, 1456);
        m.put(IP6GRE_KEY42, 1452);
        return m;
    }

    /** The kinds in the configuration, in its order. */
    public static java.util.List<TunnelKind> kinds() {
        return java.util.List.of(TunnelKind.IPIP, TunnelKind.SIT, TunnelKind.GRE, TunnelKind.IP6TNL,
                TunnelKind.IP6GRE, TunnelKind.GUE, TunnelKind.GUE6);
    }

    /** Stops a running {@code dsr-agent run}, then {@code dsr-agent down}. */
    @Override
    public void down(Vm vm) throws IOException {
        stopRun(vm);
        agent(vm, "down");
    }

    /**
     * Starts {@code dsr-agent run} in the guest's background and waits for "dsr-agent: ready". The previous log is
     * kept as {@code /run/agent.log.N}.
     */
    public void startRun(Vm vm) throws IOException {
        if (runPid > 0) {
            throw new IllegalStateException("dsr-agent run already runs (guest pid " + runPid + ")");
        }
        long t0 = System.nanoTime();
        writeConfig(vm, configPath, config(mode, stateFile));
        vm.check("i=0; while [ -e /run/" + runName + ".log.$i ]; do i=$((i+1)); done; [ -e /run/" + runName
                + ".log ] && mv /run/" + runName + ".log /run/" + runName + ".log.$i; true");
        runPid = vm.startBackground(runName, "export DSRGW_JAVA_OPTS='" + JAVA_OPTS + "' JAVA_HOME="
                + KernelLab.GUEST_JDK + "\nexec " + KernelLab.GUEST_AGENT_HOME + "/bin/dsr-agent run --config "
                + configPath);
        vm.awaitBackgroundLine(runName, READY, Duration.ofSeconds(120));
        LOG.info("dsr-agent run (guest pid {}) ready in {} s", runPid,
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }

    /** What {@code dsr-agent run} printed so far. */
    public String runLog(Vm vm) throws IOException {
        return vm.backgroundLog(runName);
    }

    /** Waits for a line of the running agent's log matching {@code p}. */
    public String awaitRunLine(Vm vm, Pattern p, Duration timeout) throws IOException {
        return vm.awaitBackgroundLine(runName, p, timeout);
    }

    /** SIGTERM to {@code dsr-agent run} and waits for it to exit (SIGKILL after 30 s); no-op when none runs. */
    public void stopRun(Vm vm) throws IOException {
        if (runPid < 0) {
            return;
        }
        long pid = runPid;
        runPid = -1;
        vm.exec("kill " + pid + " 2>/dev/null; i=0; while kill -0 " + pid + " 2>/dev/null && [ $i -lt 300 ]; do"
                + " sleep 0.1; i=$((i+1)); done; kill -9 " + pid + " 2>/dev/null; true", Duration.ofSeconds(45));
    }

    /** Sends {@code signal} (e.g. STOP, CONT) to the running agent. */
    public void signalRun(Vm vm, String signal) throws IOException {
        if (runPid < 0) {
            throw new IllegalStateException("dsr-agent run does not run");
        }
        vm.check("kill -" + signal + " " + runPid);
    }

    /** Guest PID of {@code dsr-agent run} (the JVM: the launcher execs java), -1 when not running. */
    public long runPid() {
        return runPid;
    }

    /** The guest state before the first {@code apply}, or null before it. */
    public GuestState beforeApply() {
        return beforeApply;
    }

    /** What the first {@code dsr-agent apply} printed. */
    public String applyOutput() {
        return applyOutput;
    }

    @Override
    public String name() {
        return "dsr-agent apply (mode = " + mode + ")";
    }
}
