package io.dsrgw.harness.vm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses the ELF {@code vmlinux} out of a bzImage ({@code /boot/vmlinuz-*}): finds the payload by its magic
 * (xz {@code FD 37 7A 58 5A 00}, gzip {@code 1F 8B 08 00}) and inflates it (xz through {@code xz -dc
 * --single-stream}, which stops at the end of the stream and ignores the bzImage trailer; gzip in-process). qemu
 * boots that ELF directly through its PVH entry point (Debian sets CONFIG_PVH=y), which skips SeaBIOS real-mode
 * boot and the in-guest decompressor, both slow under TCG.
 */
public final class VmlinuxExtractor {
    static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b, 8, 0};
    static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    private VmlinuxExtractor() {
    }

    /** Writes the ELF kernel of {@code bzImage} to {@code out}. */
    public static void extract(Path bzImage, Path out) throws IOException {
        byte[] elf = decompress(Files.readAllBytes(bzImage), bzImage.toString());
        Files.write(out, elf);
    }

    /** The ELF image inside {@code image}; {@code name} is for messages. */
    static byte[] decompress(byte[] image, String name) throws IOException {
        byte[] elf;
        int xz = indexOf(image, XZ_MAGIC);
        int gz = indexOf(image, GZIP_MAGIC);
        if (xz >= 0) {
            elf = xz(image, xz, name);
        } else if (gz >= 0) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(image, gz, image.length - gz))) {
                elf = in.readAllBytes();
            }
        } else {
            throw new IOException(name + ": no xz or gzip payload found (expected: a Debian bzImage; zstd/lz4"
                    + " kernels are not supported)");
        }
        if (indexOf(elf, ELF_MAGIC) != 0) {
            throw new IOException(name + ": decompressed payload is not an ELF file (starts with "
                    + java.util.HexFormat.of().formatHex(elf, 0, Math.min(4, elf.length)) + ")");
        }
        return elf;
    }

    private static byte[] xz(byte[] image, int offset, String name) throws IOException {
        Process p = new ProcessBuilder(List.of("xz", "-dc", "--single-stream")).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getErrorStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        try (var stdin = p.getOutputStream()) {
            stdin.write(image, offset, image.length - offset);
        } catch (IOException e) {
            // xz stops reading after the stream end (--single-stream): a broken pipe on the trailer is expected.
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(name + ": xz -dc did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while decompressing", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(name + ": xz -dc --single-stream exited " + p.exitValue() + ": "
                    + new String(err.join()).strip());
        }
        return out.join();
    }

    static int indexOf(byte[] data, byte[] pattern) {
        return indexOf(data, pattern, 0);
    }

    static int indexOf(byte[] data, byte[] pattern, int fromIndex) {
        outer:
        for (int i = fromIndex; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
