package io.dsrgw.harness.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.harness.scenario.Distributions;

/**
 * The real-kernel infrastructure proven with the real gateway: a stock Debian kernel in qemu decapsulates what
 * {@code dsr-gateway run} sends, the VIP answers straight to the client, and both negative controls of issue 4
 * fail the way they must. The backend side is {@link ManualKernelSetup} until the agent's kernel mode exists; then
 * a second class (or a parameter) passes the agent's setup to the same lab and the same checks.
 * One VM for the class (5-13 s boot); all ten kind/family cases run, one gateway process per case.
 */
@Tag("vm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300)
class KernelTunnelIT {
    private KernelLab lab;

    @BeforeAll
    void startLab() throws Exception {
        Distributions dists = VmAssumptions.assumeVmAndDistributions();
        Path work = VmAssumptions.newWorkDir("vm-");
        long t0 = System.nanoTime();
        lab = KernelLab.start(work, dists, new ManualKernelSetup());
        System.out.printf("[vm] lab up in %.1f s (VM boot %.1f s, qemu RSS %d MiB); logs in %s%n",
                (System.nanoTime() - t0) / 1e9, lab.vm().bootSeconds(), lab.vm().qemuRssKiB() / 1024, work);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void shouldRunTheSharedAgentDistributionOnTheSharedJdkInsideTheVm() throws Exception {
        GuestResult r = lab.vm().exec("printf 'dsrgw.agent { mode = kernel, gateways = [%s], vips = [%s] }\\n'"
                .formatted(VmNetwork.HOST4, TunnelCase.VIP4) + " > /run/agent.conf && "
                + KernelLab.agentCommand("check-config /run/agent.conf"), Duration.ofSeconds(90));
        System.out.println("[vm] dsr-agent check-config in the VM: exit " + r.exitCode() + ": " + r.output().strip());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    @Test
    @Order(2)
    void shouldCarryHttpThroughTheGatewayAndTheKernelTunnelWithRepliesStraightToTheClient() throws Exception {
        List<String> unsupported = new ArrayList<>();
        int exercised = 0;
        for (TunnelCase c : TunnelCase.selected()) {
            try {
                lab.startGateway(c);
            } catch (UnsupportedCaseException e) {
                unsupported.add(e.getMessage());
                continue;
            }
            KernelLab.Exchange x = lab.exchange(c, Duration.ofSeconds(15));
            System.out.println("[vm] " + x.summary());
            assertTrue(x.http().ok(), x.summary() + "\n" + lab.diagnostics());
            // SYN, ACK, request, FIN/ACKs: at least 4 client packets went through the VM's tunnel device.
            assertTrue(x.decapsulated() >= 4, "decapsulated on " + x.device() + ": " + x.summary());
            assertTrue(x.toVmTunneled() >= x.decapsulated(), "the gateway sent them encapsulated: " + x.summary());
            assertTrue(x.plainReplies() >= 3, "SYN-ACK, response, FIN as plain TCP from the VIP: " + x.summary());
            assertEquals(0, x.tunneledReplies(), "nothing left the VM encapsulated: " + x.summary());
            exercised++;
            lab.stopGateway();
        }
        for (String u : unsupported) {
            System.out.println("[vm] not exercised, gateway: " + u);
        }
        // The gateway implements every kind since the tunnel-kinds issue: a case it refuses is a regression.
        assertEquals(TunnelCase.selected().size(), exercised, "cases the gateway refused: " + unsupported);
    }

    @Test
    @Order(3)
    void shouldAnswerArpForTheVipOnlyWhenArpIgnoreIsOff() throws Exception {
        assertTrue(lab.arpAnswered(VmNetwork.GUEST4), "positive control: the VM's own address answers ARP");
        assertFalse(lab.arpAnswered(TunnelCase.VIP4), "arp_ignore=1: the VIP on lo must not be answered");
        lab.vm().sysctl("net.ipv4.conf.all.arp_ignore", "0");
        try {
            assertTrue(lab.arpAnswered(TunnelCase.VIP4),
                    "negative control: with arp_ignore=0 Linux answers ARP for an address on lo");
        } finally {
            lab.vm().sysctl("net.ipv4.conf.all.arp_ignore", "1");
        }
        assertFalse(lab.arpAnswered(TunnelCase.VIP4), "arp_ignore=1 restored");
    }

    @Test
    @Order(4)
    void shouldDropDecapsulatedTrafficWhenTheTunnelDeviceHasStrictRpFilter() throws Exception {
        TunnelCase c = TunnelCase.IPIP_4IN4;
        lab.startGateway(c);
        String device = lab.setup().device(lab.vm(), c);
        String key = "net.ipv4.conf." + device + ".rp_filter";
        lab.vm().sysctl(key, "1");
        KernelLab.Exchange strict;
        try {
            strict = lab.exchange(c, Duration.ofSeconds(4));
        } finally {
            lab.vm().sysctl(key, "0");
        }
        System.out.println("[vm] strict rp_filter on " + device + ": " + strict.summary());
        assertFalse(strict.http().ok(), "strict rp_filter must break the exchange: " + strict.summary());
        assertTrue(strict.decapsulated() >= 1, "the SYN still reached the tunnel device: " + strict.summary());
        assertEquals(0, strict.plainReplies(), "no reply left the VM: " + strict.summary());
        KernelLab.Exchange relaxed = lab.exchange(c, Duration.ofSeconds(15));
        System.out.println("[vm] rp_filter 0 again: " + relaxed.summary());
        assertTrue(relaxed.http().ok(), "rp_filter=0 restored: " + relaxed.summary() + "\n" + lab.diagnostics());
        lab.stopGateway();
    }

    @Test
    @Order(5)
    void shouldSeeExactlyWhatTheBackendSetupChangesInTheGuestState() throws Exception {
        // The shape of the agent's "down restores everything" check: snapshot, down, snapshot, apply, snapshot.
        GuestState applied = GuestState.capture(lab.vm());
        lab.setup().down(lab.vm());
        GuestState down = GuestState.capture(lab.vm());
        List<String> removed = applied.diff(down);
        System.out.println("[vm] down changed " + removed.size() + " facts: " + removed);
        for (String dev : List.of(ManualKernelSetup.IPIP, ManualKernelSetup.SIT, ManualKernelSetup.GRE,
                ManualKernelSetup.GRE_KEY42, ManualKernelSetup.IP6TNL, ManualKernelSetup.IP6GRE)) {
            assertTrue(removed.stream().anyMatch(l -> l.startsWith("- link: " + dev + "@")), dev + " gone: " + removed);
        }
        assertTrue(removed.stream().anyMatch(l -> l.startsWith("- addr: lo inet " + TunnelCase.VIP4 + "/32")),
                "VIP4 gone: " + removed);
        assertTrue(removed.stream().anyMatch(l -> l.startsWith("- addr: lo inet6 " + TunnelCase.VIP6 + "/128")),
                "VIP6 gone: " + removed);
        assertTrue(removed.stream().allMatch(l -> l.startsWith("- ")), "down only removes: " + removed);
        lab.setup().apply(lab.vm());
        GuestState reapplied = GuestState.capture(lab.vm());
        assertEquals(List.of(), applied.diff(reapplied), "apply after down recreates the same state");
        assertEquals(applied.ifindexByName().get("eth0"), reapplied.ifindexByName().get("eth0"), "eth0 untouched");
        assertTrue(reapplied.ifindexByName().get(ManualKernelSetup.IPIP)
                        > applied.ifindexByName().get(ManualKernelSetup.IPIP),
                "a recreated tunnel shows as a new ifindex: " + reapplied.ifindexByName());
        TunnelCase c = TunnelCase.IPIP_4IN4;
        lab.startGateway(c);
        KernelLab.Exchange x = lab.exchange(c, Duration.ofSeconds(15));
        assertTrue(x.http().ok() && x.decapsulated() >= 4, "traffic after re-apply: " + x.summary());
        lab.stopGateway();
    }
}
