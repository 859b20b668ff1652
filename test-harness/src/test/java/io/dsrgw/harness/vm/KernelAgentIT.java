package io.dsrgw.harness.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.scenario.Distributions;

/**
 * The backend agent's kernel mode against a real Linux kernel: {@code dsr-agent apply} and {@code dsr-agent run}
 * (the real Java agent, 9p-shared distribution and JDK) configure a stock Debian kernel in qemu, the real gateway
 * runs in the host namespace of the {@link KernelLab}. Proves: every kind/inner-family case carries HTTP through the
 * agent's devices with replies straight to the client; the plan is empty after apply; arp_ignore and rp_filter
 * negative controls (and the agent repairs the rp_filter drift); a restart under a stream of requests loses none and
 * recreates no interface; tunnel packets from a non-gateway source are dropped and counted; {@code down} restores
 * the guest exactly; {@code mode = auto} picks the kernel for every kind. One VM for the class.
 */
@Tag("vm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300)
class KernelAgentIT {
    private static final Pattern DROPPED = Pattern.compile("tunnel filter: dropped ipv4 (\\d+), ipv6 (\\d+)");
    private KernelLab lab;
    private AgentKernelSetup agent;

    @BeforeAll
    void startLab() throws Exception {
        Distributions dists = VmAssumptions.assumeVmAndDistributions();
        Path work = VmAssumptions.newWorkDir("vm-agent-");
        long t0 = System.nanoTime();
        agent = new AgentKernelSetup();
        lab = KernelLab.start(work, dists, agent);
        System.out.printf("[vm-agent] lab up in %.1f s (VM boot %.1f s); logs in %s%n[vm-agent] dsr-agent apply:%n%s%n",
                (System.nanoTime() - t0) / 1e9, lab.vm().bootSeconds(), work, agent.applyOutput().strip());
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            try {
                agent.stopRun(lab.vm());
            } catch (Exception e) {
                System.out.println("[vm-agent] stopping dsr-agent run: " + e.getMessage());
            }
            lab.close();
        }
    }

    @Test
    @Order(1)
    void shouldCreateEveryTunnelDeviceUpWithItsMtuAndPlanNothingAfterApply() throws Exception {
        GuestResult links = lab.vm().check("ip -j -d link show");
        System.out.println("[vm-agent] ip -j -d link show after apply:\n" + links.output().strip());
        for (Map.Entry<String, Integer> e : AgentKernelSetup.expectedMtus().entrySet()) {
            String d = e.getKey();
            String mtu = lab.vm().check("cat /sys/class/net/" + d + "/mtu; cat /sys/class/net/" + d + "/flags")
                    .output().strip();
            String[] v = mtu.split("\\s+");
            assertEquals(String.valueOf(e.getValue()), v[0], d + " mtu");
            assertEquals(1, Integer.decode(v[1]) & 1, d + " is up (IFF_UP), flags " + v[1]);
            assertEquals("0", lab.vm().sysctl("net.ipv4.conf." + d + ".rp_filter"), d + " rp_filter");
        }
        assertEquals("1", lab.vm().sysctl("net.ipv4.conf.all.arp_ignore"));
        assertEquals("2", lab.vm().sysctl("net.ipv4.conf.all.arp_announce"));
        assertEquals("0", lab.vm().sysctl("net.ipv4.conf.all.rp_filter"));
        assertEquals("0", lab.vm().sysctl("net.ipv4.conf.default.rp_filter"));
        String plan = agent.agent(lab.vm(), "plan").output().strip();
        System.out.println("[vm-agent] dsr-agent plan after apply: " + plan);
        assertEquals("nothing to change", plan, "apply converged: plan must be empty");
    }

    @Test
    @Order(2)
    void shouldCarryHttpForEveryKindAndFamilyThroughTheAgentsDevices() throws Exception {
        agent.startRun(lab.vm());
        List<String> failures = new ArrayList<>();
        for (TunnelCase c : TunnelCase.selected()) {
            lab.startGateway(c);
            KernelLab.Exchange x = lab.exchange(c, Duration.ofSeconds(15));
            System.out.println("[vm-agent] " + x.summary());
            if (!x.http().ok() || x.decapsulated() < 4 || x.toVmTunneled() < x.decapsulated()
                    || x.plainReplies() < 3 || x.tunneledReplies() != 0) {
                failures.add(x.summary() + "\n" + lab.diagnostics());
            }
            lab.stopGateway();
        }
        assertEquals(List.of(), failures, "every case: curl ok, >= 4 packets decapsulated on the agent's device,"
                + " >= 3 plain replies from the VIP, 0 encapsulated replies");
    }

    @Test
    @Order(3)
    void shouldAnswerArpForTheVipOnlyWhenArpIgnoreIsOffUntilTheAgentRepairsIt() throws Exception {
        assertTrue(lab.arpAnswered(VmNetwork.GUEST4), "positive control: the VM's own address answers ARP");
        assertFalse(lab.arpAnswered(TunnelCase.VIP4), "arp_ignore=1 (agent): the VIP on lo must not be answered");
        // The agent would repair the drift within a reconcile interval: pause it while the control runs.
        agent.signalRun(lab.vm(), "STOP");
        try {
            lab.vm().sysctl("net.ipv4.conf.all.arp_ignore", "0");
            assertTrue(lab.arpAnswered(TunnelCase.VIP4),
                    "negative control: with arp_ignore=0 Linux answers ARP for an address on lo");
        } finally {
            agent.signalRun(lab.vm(), "CONT");
        }
        awaitSysctl("net.ipv4.conf.all.arp_ignore", "1");
        assertFalse(lab.arpAnswered(TunnelCase.VIP4), "arp_ignore=1 restored by the agent");
    }

    @Test
    @Order(4)
    void shouldDropTrafficOnATunnelWithStrictRpFilterUntilTheAgentRepairsIt() throws Exception {
        TunnelCase c = TunnelCase.IPIP_4IN4;
        lab.startGateway(c);
        String key = "net.ipv4.conf." + AgentKernelSetup.IPIP + ".rp_filter";
        int repairedBefore = count(agent.runLog(lab.vm()), "drift repaired");
        KernelLab.Exchange strict;
        agent.signalRun(lab.vm(), "STOP");
        try {
            lab.vm().sysctl(key, "1");
            strict = lab.exchange(c, Duration.ofSeconds(4));
            assertEquals("1", lab.vm().sysctl(key), "nothing repaired it while the agent was paused");
        } finally {
            agent.signalRun(lab.vm(), "CONT");
        }
        System.out.println("[vm-agent] strict rp_filter on " + AgentKernelSetup.IPIP + ": " + strict.summary());
        assertFalse(strict.http().ok(), "strict rp_filter must break the exchange: " + strict.summary());
        assertTrue(strict.decapsulated() >= 1, "the SYN still reached the tunnel device: " + strict.summary());
        assertEquals(0, strict.plainReplies(), "no reply left the VM: " + strict.summary());
        awaitSysctl(key, "0");
        String line = agent.awaitRunLine(lab.vm(), Pattern.compile("drift repaired: .*" + Pattern.quote(key)),
                Duration.ofSeconds(20));
        System.out.println("[vm-agent] agent log: " + line.strip());
        assertTrue(count(agent.runLog(lab.vm()), "drift repaired") > repairedBefore);
        KernelLab.Exchange relaxed = lab.exchange(c, Duration.ofSeconds(15));
        System.out.println("[vm-agent] repaired: " + relaxed.summary());
        assertTrue(relaxed.http().ok(), "after the repair: " + relaxed.summary() + "\n" + lab.diagnostics());
        lab.stopGateway();
    }

    @Test
    @Order(5)
    void shouldLoseNoRequestAndRecreateNoInterfaceWhenTheAgentRestartsUnderLoad() throws Exception {
        TunnelCase c = TunnelCase.GRE_KEY42_INNER6;
        lab.startGateway(c);
        GuestState before = GuestState.capture(lab.vm());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread load = Thread.ofPlatform().name("curl-loop").start(() -> {
            while (!stop.get()) {
                try {
                    KernelLab.HttpResult r = lab.http(c.url(), Duration.ofSeconds(10));
                    if (r.ok()) {
                        ok.incrementAndGet();
                    } else {
                        failed.add("curl exit " + r.curlExit() + ": " + r.error());
                    }
                    Thread.sleep(150);
                } catch (CommandException e) {
                    failed.add(e.getMessage());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        try {
            Thread.sleep(2000);
            agent.stopRun(lab.vm());
            int beforeRestart = ok.get();
            agent.startRun(lab.vm());
            Thread.sleep(2000);
            assertTrue(ok.get() > beforeRestart, "requests succeeded while the agent was down and restarting");
        } finally {
            stop.set(true);
            load.join(30_000);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        GuestState after = GuestState.capture(lab.vm());
        System.out.printf("[vm-agent] restart under load: %d requests ok, %d failed in %.1f s%n", ok.get(),
                failed.size(), seconds);
        assertEquals(List.of(), failed, "zero failed requests across the restart");
        assertTrue(ok.get() >= 5, "a stream of requests, not one: " + ok.get());
        Map<String, Integer> dsrBefore = dsrIfindexes(before);
        assertEquals(AgentKernelSetup.expectedMtus().keySet(), dsrBefore.keySet(), "the agent's devices");
        assertEquals(dsrBefore, dsrIfindexes(after), "same ifindex for every dsr* device: none recreated");
        assertEquals(List.of(), before.diff(after), "the restart changed nothing in the guest");
        String log = agent.runLog(lab.vm());
        assertFalse(log.contains("applied: "), "the restarted agent had nothing to apply:\n" + log);
        lab.stopGateway();
    }

    @Test
    @Order(6)
    void shouldDropAndCountTunnelPacketsFromANonGatewaySource() throws Exception {
        String ns = lab.network().gateway();
        // Spoofed outer sources on the tap (no address needed: nothing answers them), both families.
        long rxBefore = lab.vm().rxPackets(AgentKernelSetup.IPIP);
        long rx6Before = lab.vm().rxPackets(AgentKernelSetup.IP6TNL);
        int[] dropped0 = nftDropCounters();
        int n4 = ForeignTunnelSender.send(ns, InetAddress.getByName("10.0.0.3"),
                InetAddress.getByName(VmNetwork.GUEST4), (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 5);
        int n6 = ForeignTunnelSender.send(ns, InetAddress.getByName("fd00:1::3"),
                InetAddress.getByName(VmNetwork.GUEST6), (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 3);
        // Issue 15: GUE from the same strangers, to the fou port: the filter's gue-port rules drop and count them.
        n4 += ForeignTunnelSender.send(ns, InetAddress.getByName("10.0.0.3"), InetAddress.getByName(VmNetwork.GUEST4),
                (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 4, TunnelCase.GUE_PORT);
        n6 += ForeignTunnelSender.send(ns, InetAddress.getByName("fd00:1::3"), InetAddress.getByName(VmNetwork.GUEST6),
                (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 2, TunnelCase.GUE_PORT);
        Thread.sleep(500);
        int[] dropped1 = dropped();
        System.out.printf("[vm-agent] %d+%d foreign tunnel packets sent; status: dropped ipv4 %d -> %d, ipv6 %d"
                + " -> %d%n", n4, n6, dropped0[0], dropped1[0], dropped0[1], dropped1[1]);
        assertEquals(n4, dropped1[0] - dropped0[0], "every IPv4 tunnel (ipip and gue) packet from 10.0.0.3 dropped"
                + " and counted");
        assertEquals(n6, dropped1[1] - dropped0[1], "every IPv6 tunnel (ip6tnl and gue6) packet from fd00:1::3"
                + " dropped and counted");
        assertEquals(rxBefore, lab.vm().rxPackets(AgentKernelSetup.IPIP), "none reached " + AgentKernelSetup.IPIP);
        assertEquals(rx6Before, lab.vm().rxPackets(AgentKernelSetup.IP6TNL), "none reached "
                + AgentKernelSetup.IP6TNL);
        // Positive control: the same GUE packets from the gateways' addresses are decapsulated by fou onto the
        // devices (so the packets above were well-formed and only their source got them dropped).
        ForeignTunnelSender.send(ns, InetAddress.getByName(VmNetwork.HOST4), InetAddress.getByName(VmNetwork.GUEST4),
                (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 4, TunnelCase.GUE_PORT);
        ForeignTunnelSender.send(ns, InetAddress.getByName(VmNetwork.HOST6), InetAddress.getByName(VmNetwork.GUEST6),
                (Inet4Address) InetAddress.getByName(VmNetwork.CLIENT4),
                (Inet4Address) InetAddress.getByName(TunnelCase.VIP4), 2, TunnelCase.GUE_PORT);
        Thread.sleep(500);
        assertEquals(rxBefore + 4, lab.vm().rxPackets(AgentKernelSetup.IPIP), "GUE from the IPv4 gateway reached "
                + AgentKernelSetup.IPIP);
        assertEquals(rx6Before + 2, lab.vm().rxPackets(AgentKernelSetup.IP6TNL), "GUE from the IPv6 gateway"
                + " reached " + AgentKernelSetup.IP6TNL);
    }

    @Test
    @Order(7)
    void shouldLeaveTheGuestExactlyAsBeforeApplyAfterDown() throws Exception {
        GuestState applied = GuestState.capture(lab.vm());
        agent.down(lab.vm());
        GuestState down = GuestState.capture(lab.vm());
        List<String> diff = agent.beforeApply().diff(down);
        System.out.println("[vm-agent] down vs before apply: " + diff);
        System.out.println("[vm-agent] down removed " + applied.diff(down).size() + " facts");
        assertEquals(List.of(), diff, "links, addresses, nftables ruleset and sysctls as before apply");
        assertTrue(dsrIfindexes(down).isEmpty(), "no dsr* device left: " + down.ifindexByName());
    }

    @Test
    @Order(8)
    void shouldDecapsulateEveryKindInTheKernelInModeAuto() throws Exception {
        AgentKernelSetup auto = new AgentKernelSetup("auto", "/run/dsr-agent-auto.conf", "/run/dsrgw/auto-state.conf",
                "agent-auto");
        GuestState before = GuestState.capture(lab.vm());
        auto.startRun(lab.vm());
        try {
            String expected = "mode auto: kernel decapsulation for [ipip, sit, gre, ip6tnl, ip6gre, gue, gue6]";
            String log = auto.runLog(lab.vm());
            System.out.println("[vm-agent] mode auto, dsr-agent run log:\n" + log.lines()
                    .filter(l -> !l.contains("applied: ")).collect(java.util.stream.Collectors.joining("\n")));
            assertTrue(log.lines().anyMatch(l -> l.contains(expected)), "run logs: " + expected + "\n" + log);
            assertFalse(log.contains("userspace"), "no kind falls back to userspace:\n" + log);
            TunnelCase c = TunnelCase.IP6GRE_INNER4;
            lab.startGateway(c);
            KernelLab.Exchange x = lab.exchange(c, Duration.ofSeconds(15));
            System.out.println("[vm-agent] mode auto: " + x.summary());
            assertTrue(x.http().ok() && x.decapsulated() >= 4, "auto decapsulates in the kernel: " + x.summary());
            lab.stopGateway();
        } finally {
            auto.down(lab.vm());
        }
        assertEquals(List.of(), before.diff(GuestState.capture(lab.vm())), "auto: down restores the guest");
    }

    /** The agent's drop counters read directly with nft in the guest (one agent JVM less). */
    private int[] nftDropCounters() throws Exception {
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            String name = i == 0 ? "tunnel_drop_ipv4" : "tunnel_drop_ipv6";
            String s = lab.vm().check("nft list counter inet dsrgw_agent " + name).output();
            Matcher m = Pattern.compile("packets (\\d+)").matcher(s);
            assertTrue(m.find(), name + ": " + s);
            out[i] = Integer.parseInt(m.group(1));
        }
        return out;
    }

    private int[] dropped() throws Exception {
        String s = agent.agent(lab.vm(), "status").output();
        Matcher m = DROPPED.matcher(s);
        assertTrue(m.find(), "dsr-agent status prints the tunnel filter counters:\n" + s);
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private void awaitSysctl(String key, String value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(AgentKernelSetup.RECONCILE_SECONDS * 10L).toNanos();
        String v = lab.vm().sysctl(key);
        while (!v.equals(value) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            v = lab.vm().sysctl(key);
        }
        assertEquals(value, v, key + " repaired by the running agent; its log:\n"
                + agent.runLog(lab.vm()));
    }

    private static Map<String, Integer> dsrIfindexes(GuestState s) {
        Map<String, Integer> m = new TreeMap<>();
        s.ifindexByName().forEach((k, v) -> {
            if (k.startsWith("dsr")) {
                m.put(k, v);
            }
        });
        return m;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

}
