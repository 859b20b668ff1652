package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * The body of {@code /blob?bytes=N}: N pseudo-random bytes that depend only on N (SplittableRandom seeded with
 * {@link #SEED} ^ N), so every backend serves the same bytes and a client can compute the expected SHA-256
 * without trusting the server's header.
 */
public final class Blob {
    public static final long SEED = 0x64737267_77626c62L; // "dsrgwblb"
    /** Upper bound for one blob; keeps a typo from filling the backend's memory. */
    public static final long MAX_BYTES = 1L << 30;

    private Blob() {
    }

    /** Writes the N bytes to {@code out} in 64 KiB chunks and returns their SHA-256 (lowercase hex). */
    public static String write(long bytes, OutputStream out) throws IOException {
        check(bytes);
        MessageDigest sha = sha256();
        SplittableRandom rnd = new SplittableRandom(SEED ^ bytes);
        byte[] chunk = new byte[64 * 1024];
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            fill(rnd, chunk, n);
            sha.update(chunk, 0, n);
            if (out != null) {
                out.write(chunk, 0, n);
            }
            left -= n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 (lowercase hex) of the N-byte blob, computed locally. */
    public static String sha256Hex(long bytes) {
        try {
            return write(bytes, null);
        } catch (IOException e) {
            throw new AssertionError("no output stream, no I/O", e);
        }
    }

    private static void fill(SplittableRandom rnd, byte[] b, int n) {
        int i = 0;
        while (i + 8 <= n) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) (v >>> (56 - 8 * k));
            }
        }
        if (i < n) {
            long v = rnd.nextLong();
            for (int k = 0; i < n; k++) {
                b[i++] = (byte) (v >>> (56 - 8 * k));
            }
        }
    }

    static void check(long bytes) {
        if (bytes < 0 || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: 0.." + MAX_BYTES + ")");
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
