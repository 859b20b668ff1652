package io.dsrgw.linux.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.dsrgw.linux.Probe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfTest {
    @Test
    void shouldKeepACauseExactlyWhenUnavailable() {
        Probe probe = Bpf.probe();
        assertEquals(probe.available(), Bpf.isAvailable());
        assertEquals(probe.cause(), Bpf.unavailabilityCause());
        if (Bpf.isAvailable()) {
            assertNull(Bpf.unavailabilityCause());
        } else {
            assertFalse(Bpf.unavailabilityCause().isEmpty());
            IllegalStateException e = assertThrows(IllegalStateException.class, Bpf::ensureAvailable);
            assertEquals("BPF is unavailable: " + Bpf.unavailabilityCause(), e.getMessage());
        }
    }

    @Test
    void shouldSayWhichDebianPackageProvidesAMissingLibbpf() {
        Probe probe = Bpf.probeLibrary("libbpf-dsrgw-missing.so.9");
        assertFalse(probe.available());
        assertEquals("libbpf-dsrgw-missing.so.9 not found (install the Debian package libbpf1)", probe.cause());
        assertEquals(probe, Bpf.probe("libbpf-dsrgw-missing.so.9"));
    }

    @Test
    void shouldCountThePossibleCpusLikeTheKernel() throws IOException {
        BpfTestSupport.assumeBpf();
        // "0-3" or "0,2-5": the highest CPU number + 1 is what per-CPU maps use
        String possible = Files.readString(Path.of("/sys/devices/system/cpu/possible")).strip();
        int highest = 0;
        for (String range : possible.split(",")) {
            String[] bounds = range.split("-");
            highest = Math.max(highest, Integer.parseInt(bounds[bounds.length - 1]));
        }
        assertEquals(highest + 1, Bpf.possibleCpus());
    }

    @Test
    void shouldReportLibbpfVersionOneOrLater() {
        BpfTestSupport.assumeBpf();
        String version = Bpf.libbpfVersion();
        assertTrue(version.matches("[1-9][0-9]*\\.[0-9]+"), version);
    }
}
