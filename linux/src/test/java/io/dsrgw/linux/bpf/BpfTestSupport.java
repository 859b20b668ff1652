package io.dsrgw.linux.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.dsrgw.linux.LinuxException;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Shared helpers of the BPF tests: the probe as an assumption, the test objects, commands. */
final class BpfTestSupport {
    /** linux/src/test/bpf/test_xdp.c, compiled by build.sh in generate-test-resources. */
    static final String TEST_XDP = "/bpf/test_xdp.o";
    /** linux/src/test/bpf/test_rejected.c: a program the verifier refuses. */
    static final String TEST_REJECTED = "/bpf/test_rejected.o";

    private BpfTestSupport() {
    }

    /** Skips the test with the probe's cause (printed too: Maven's console omits skip reasons). */
    static void assumeBpf() {
        if (!Bpf.isAvailable()) {
            String reason = "BPF unavailable: " + Bpf.unavailabilityCause();
            System.out.println("SKIPPED: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
    }

    /** Skips unless {@code program} is on the PATH (or in /usr/sbin, /sbin). */
    static void assumeCommand(String program) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return;
            }
        }
        String reason = program + " not found on PATH";
        System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(false, reason);
    }

    /** The bytes of a test object; a missing one is a build failure, not a skip. */
    static byte[] resource(String path) throws IOException {
        try (InputStream in = BpfTestSupport.class.getResourceAsStream(path)) {
            assertNotNull(in, path + " not on the test classpath: linux/src/test/bpf/build.sh did not run");
            return in.readAllBytes();
        }
    }

    /** test_xdp.o opened and loaded as object {@code name}. */
    static BpfObject loadTestXdp(String name) throws IOException {
        BpfObject object = BpfObject.open(name, resource(TEST_XDP));
        try {
            object.load();
            return object;
        } catch (LinuxException | RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** "dsrb" + 5 random hex digits: unique per run; leaves room for a one-letter suffix within IFNAMSIZ. */
    static String uniqueName() {
        return String.format("dsrb%05x", ThreadLocalRandom.current().nextInt(1 << 20));
    }

    /** Runs a command; returns its output; throws with the output when the exit code is not 0. */
    static String run(String... command) throws IOException, InterruptedException {
        Result result = tryRun(command);
        if (result.exit() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + result.exit() + ": "
                    + result.output().strip());
        }
        return result.output();
    }

    record Result(int exit, String output) {
    }

    static Result tryRun(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit within 10 s");
        }
        return new Result(p.exitValue(), out);
    }

    /** A veth pair {@code name + "a"} / {@code name + "b"} in this namespace; delete with {@link #deleteLink}. */
    static void vethPair(String name, String... extra) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "link", "add", name + "a"));
        command.addAll(List.of(extra));
        command.addAll(List.of("type", "veth", "peer", "name", name + "b"));
        run(command.toArray(String[]::new));
    }

    /** Deletes a link if it exists (deleting one veth removes its peer); for finally blocks. */
    static void deleteLink(String name) throws IOException, InterruptedException {
        tryRun("ip", "link", "del", "dev", name);
    }
}
