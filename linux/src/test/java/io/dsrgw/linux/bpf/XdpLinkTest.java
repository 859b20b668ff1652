package io.dsrgw.linux.bpf;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.Interfaces;
import io.dsrgw.linux.LinuxException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attaches test_xdp.o's program to veth pairs created for each test in this network namespace (unique names, no
 * traffic; deleted in finally) and checks with {@code ip link} and {@code bpftool} what the kernel shows.
 */
class XdpLinkTest {
    @Test
    void shouldAttachNativelyShowInIpLinkAndDetachOnClose() throws Exception {
        BpfTestSupport.assumeBpf();
        BpfTestSupport.assumeCommand("ip");
        BpfTestSupport.assumeCommand("bpftool");
        String name = BpfTestSupport.uniqueName();
        String dev = name + "a";
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp")) {
            BpfTestSupport.vethPair(name);
            BpfProgram program = object.program("xdp_test");
            int linkId;
            try (XdpLink link = XdpLink.attach(program, dev, XdpMode.NATIVE)) {
                assertEquals(dev, link.interfaceName());
                assertEquals(Interfaces.index(dev), link.ifindex());
                assertEquals(XdpMode.NATIVE, link.mode());
                assertEquals(program.id(), link.programId());
                linkId = link.id();
                String shown = BpfTestSupport.run("ip", "link", "show", "dev", dev);
                // native: the "xdp" flag (generic would say "xdpgeneric") and the program
                assertTrue(shown.contains(" xdp ") && shown.contains("prog/xdp id " + program.id()), shown);
                // bpftool 7.1 shows an XDP link's type and program (newer ones add the ifindex)
                String bpftool = BpfTestSupport.run("bpftool", "link", "show", "id", Integer.toString(linkId));
                assertTrue(bpftool.contains(linkId + ": xdp") && bpftool.contains("prog " + program.id()), bpftool);
                System.out.println("attached: " + shown.strip() + "\n" + bpftool.strip());
            }
            String after = BpfTestSupport.run("ip", "link", "show", "dev", dev);
            assertFalse(after.contains("xdp"), after);
            assertNotEquals(0, BpfTestSupport.tryRun("bpftool", "link", "show", "id", Integer.toString(linkId))
                    .exit(), "the link is gone");
        } finally {
            BpfTestSupport.deleteLink(dev);
        }
    }

    @Test
    void shouldAttachInGenericModeAndReplaceTheProgramAtomically() throws Exception {
        BpfTestSupport.assumeBpf();
        BpfTestSupport.assumeCommand("ip");
        String name = BpfTestSupport.uniqueName();
        String dev = name + "a";
        try (BpfObject first = BpfTestSupport.loadTestXdp("test_xdp");
             BpfObject second = BpfTestSupport.loadTestXdp("test_xdp_2")) {
            BpfTestSupport.vethPair(name);
            BpfProgram one = first.program("xdp_test");
            BpfProgram two = second.program("xdp_test");
            try (XdpLink link = XdpLink.attach(one, dev, XdpMode.GENERIC)) {
                String shown = BpfTestSupport.run("ip", "link", "show", "dev", dev);
                assertTrue(shown.contains(" xdpgeneric ") && shown.contains("prog/xdp id " + one.id()), shown);
                link.update(two);
                assertEquals(two.id(), link.programId());
                shown = BpfTestSupport.run("ip", "link", "show", "dev", dev);
                assertTrue(shown.contains(" xdpgeneric ") && shown.contains("prog/xdp id " + two.id()), shown);
            }
            assertFalse(BpfTestSupport.run("ip", "link", "show", "dev", dev).contains("xdp"));
        } finally {
            BpfTestSupport.deleteLink(dev);
        }
    }

    @Test
    void shouldSayThatAnotherProgramIsAttached() throws Exception {
        BpfTestSupport.assumeBpf();
        String name = BpfTestSupport.uniqueName();
        String dev = name + "a";
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp")) {
            BpfTestSupport.vethPair(name);
            BpfProgram program = object.program("xdp_test");
            try (XdpLink link = XdpLink.attach(program, dev, XdpMode.NATIVE)) {
                assertNotNull(link);
                LinuxException e = assertThrows(LinuxException.class,
                        () -> XdpLink.attach(program, dev, XdpMode.NATIVE));
                assertEquals("bpf_link_create(xdp_test, " + dev + " native): EBUSY (Device or resource busy): another"
                        + " XDP program is attached to " + dev + " (by another process or ip link): see bpftool net"
                        + " show dev " + dev, e.getMessage());
            }
        } finally {
            BpfTestSupport.deleteLink(dev);
        }
    }

    @Test
    void shouldNameAMissingInterface() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp")) {
            String missing = BpfTestSupport.uniqueName() + "z";
            LinuxException e = assertThrows(LinuxException.class,
                    () -> XdpLink.attach(object.program("xdp_test"), missing, XdpMode.NATIVE));
            assertEquals("if_nametoindex(" + missing + "): ENODEV (No such device): no network interface named "
                    + missing + " in this network namespace (attaching XDP program xdp_test)", e.getMessage());
            LinuxException byIndex = assertThrows(LinuxException.class,
                    () -> XdpLink.attach(object.program("xdp_test"), 0x7fff_fff0, XdpMode.NATIVE));
            assertEquals("if_indextoname(2147483632): ENODEV (No such device): no network interface with index"
                    + " 2147483632 in this network namespace (attaching XDP program xdp_test)", byIndex.getMessage());
        }
    }

    @Test
    void shouldStateTheMtuLimitWhenTheMtuIsTooLargeForNativeXdp() throws Exception {
        BpfTestSupport.assumeBpf();
        String name = BpfTestSupport.uniqueName();
        String dev = name + "a";
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp")) {
            BpfTestSupport.vethPair(name, "mtu", "9000");
            BpfTestSupport.run("ip", "link", "set", "dev", name + "b", "mtu", "9000");
            LinuxException e = assertThrows(LinuxException.class,
                    () -> XdpLink.attach(object.program("xdp_test"), dev, XdpMode.NATIVE));
            assertEquals("bpf_link_create(xdp_test, " + dev + " native): ERANGE (Numerical result out of range): the"
                    + " MTU of " + dev + " (9000) or of its veth peer is too large for an XDP program without frags"
                    + " support (veth with 4 KiB pages: at most 3506): lower the MTU or use mode = generic",
                    e.getMessage());
            // generic mode has no such limit
            try (XdpLink link = XdpLink.attach(object.program("xdp_test"), dev, XdpMode.GENERIC)) {
                assertFalse(link.isClosed());
            }
        } finally {
            BpfTestSupport.deleteLink(dev);
        }
    }

    @Test
    void shouldExplainEachAttachErrno() {
        assertEquals("the driver of eth0 does not support native XDP: use mode = generic",
                XdpLink.attachDetail(Errno.EOPNOTSUPP, "eth0", XdpMode.NATIVE, 0));
        assertEquals("attaching XDP needs CAP_BPF and CAP_NET_ADMIN (run as root or grant both)",
                XdpLink.attachDetail(Errno.EPERM, "eth0", XdpMode.NATIVE, 0));
        assertEquals("an XDP program is attached to eth0 in the other mode than generic, or to a device stacked on"
                + " it (bond, bridge)", XdpLink.attachDetail(Errno.EEXIST, "eth0", XdpMode.GENERIC, 0));
        assertEquals("the MTU of eth0 or of its veth peer is too large for an XDP program without frags support"
                + " (veth with 4 KiB pages: at most 3506): lower the MTU",
                XdpLink.attachDetail(Errno.ERANGE, "eth0", XdpMode.GENERIC, 0));
        assertTrue(XdpLink.attachDetail(Errno.ENOSPC, "veth0", XdpMode.NATIVE, 0).contains("numrxqueues"));
        assertEquals(null, XdpLink.attachDetail(Errno.ENOMEM, "eth0", XdpMode.NATIVE, 0));
    }

    /**
     * The reason for links: a gateway that crashes must not leave its program on the interface. A child JVM
     * attaches and is SIGKILLed; the kernel must then detach the program by itself.
     */
    @Test
    void shouldDetachWhenTheOwningProcessIsKilled() throws Exception {
        BpfTestSupport.assumeBpf();
        BpfTestSupport.assumeCommand("ip");
        String name = BpfTestSupport.uniqueName();
        String dev = name + "a";
        Process child = null;
        try {
            BpfTestSupport.vethPair(name);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            child = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                    "-XX:TieredStopAtLevel=1", "-cp", classPath, XdpAttachChild.class.getName(), dev))
                    .redirectErrorStream(true).start();
            child.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "the child printed nothing");
            assertTrue(line.startsWith("attached "), "child: " + line);
            String programId = line.split(" ")[2];
            String shown = BpfTestSupport.run("ip", "link", "show", "dev", dev);
            assertTrue(shown.contains("prog/xdp id " + programId), shown);
            System.out.println("child " + child.pid() + " " + line + ": " + shown.strip());

            child.destroyForcibly();   // SIGKILL: no shutdown hook, no close()
            assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the child did not die");
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            String after = "";
            for (int i = 0; i < 50; i++) {   // the kernel releases the link with the process's files
                after = BpfTestSupport.run("ip", "link", "show", "dev", dev);
                if (!after.contains("xdp")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertFalse(after.contains("xdp"), "still attached after the owner died: " + after);
        } finally {
            if (child != null) {
                child.destroyForcibly();
            }
            BpfTestSupport.deleteLink(dev);
        }
    }
}
