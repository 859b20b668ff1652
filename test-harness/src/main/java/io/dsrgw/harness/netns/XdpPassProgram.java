package io.dsrgw.harness.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A one-instruction XDP program that passes every frame ({@code XDP_PASS}), compiled with clang once per JVM: put on
 * the peer of a veth whose other end sends frames with {@code XDP_TX} or receives {@code bpf_redirect}s, it gives the
 * peer the NAPI context those frames need (without it the kernel queues and then loses them silently).
 */
public final class XdpPassProgram {
    /** The source: no headers needed (2 is XDP_PASS of enum xdp_action, {@code <linux/bpf.h>}). */
    static final String SOURCE = """
            struct xdp_md;
            __attribute__((section("xdp"), used)) int xdp_pass(struct xdp_md *ctx) { return 2; /* XDP_PASS */ }
            char _license[] __attribute__((section("license"), used)) = "GPL";
            """;

    private static Path object;

    private XdpPassProgram() {
    }

    /** The compiled object ({@code ip link set dev X xdpdrv obj FILE sec xdp}); compiled on first use. */
    public static synchronized Path object() throws CommandException {
        if (object != null && Files.exists(object)) {
            return object;
        }
        try {
            Path dir = Files.createTempDirectory("dsrgw-xdp-pass-");
            dir.toFile().deleteOnExit();
            Path source = Files.writeString(dir.resolve("xdp_pass.c"), SOURCE);
            Path out = dir.resolve("xdp_pass.o");
            Commands.run(List.of("clang", "-O2", "-target", "bpf", "-c", source.toString(), "-o", out.toString()),
                    Duration.ofSeconds(60)).check();
            source.toFile().deleteOnExit();
            out.toFile().deleteOnExit();
            object = out;
            return out;
        } catch (IOException e) {
            throw new CommandException("cannot compile the XDP_PASS program: " + e.getMessage(), e);
        }
    }
}
