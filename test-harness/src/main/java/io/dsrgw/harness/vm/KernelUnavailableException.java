package io.dsrgw.harness.vm;

import java.io.IOException;

/**
 * The Debian kernel the VM tests boot cannot be had on this host and none is cached: apt knows no
 * {@code linux-image-6.1.0-N-amd64} package (not a Debian 12 host, or no {@code apt-get update}), or
 * {@code apt-get download} failed (no mirror reachable). Like a missing qemu, a reason to skip the VM tests, not a
 * failure of what they test.
 */
public final class KernelUnavailableException extends IOException {
    public KernelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
