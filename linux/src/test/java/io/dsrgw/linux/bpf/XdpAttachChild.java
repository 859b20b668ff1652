package io.dsrgw.linux.bpf;

/**
 * Child process of {@link XdpLinkTest#shouldDetachWhenTheOwningProcessIsKilled}: loads test_xdp.o, attaches its
 * program to the interface named in {@code args[0]} in native mode, prints {@code "attached <link id> <program id>"}
 * and waits to be killed. Never detaches by itself.
 */
public final class XdpAttachChild {
    private XdpAttachChild() {
    }

    public static void main(String[] args) throws Exception {
        BpfObject object = BpfTestSupport.loadTestXdp("test_xdp_child");
        BpfProgram program = object.program("xdp_test");
        XdpLink link = XdpLink.attach(program, args[0], XdpMode.NATIVE);
        System.out.println("attached " + link.id() + " " + program.id());
        System.out.flush();
        Thread.sleep(120_000);   // the parent kills this process long before; the sleep bounds a leaked child
        System.exit(3);
    }
}
