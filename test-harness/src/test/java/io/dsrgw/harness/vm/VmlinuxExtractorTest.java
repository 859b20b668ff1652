package io.dsrgw.harness.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import io.dsrgw.harness.netns.HostRequirements;

class VmlinuxExtractorTest {
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 42, 42, 42};
    private static final byte[] SETUP = {(byte) 0xeb, 0x3c, 'H', 'd', 'r', 'S', 0, 0, 0};
    private static final byte[] TRAILER = {1, 2, 3, 4, 5, 6, 7, 8};

    private static byte[] bzImage(byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(SETUP);
        b.writeBytes(payload);
        b.writeBytes(TRAILER);
        return b.toByteArray();
    }

    @Test
    void shouldInflateAGzipPayloadBehindTheSetupCodeAndIgnoreTheTrailer() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(ELF);
        }
        assertArrayEquals(ELF, VmlinuxExtractor.decompress(bzImage(gz.toByteArray()), "test"));
    }

    @Test
    void shouldInflateAnXzPayloadWithTheXzTool() throws Exception {
        HostRequirements.Check xz = HostRequirements.tool("xz");
        if (!xz.available()) {
            System.out.println("SKIPPED (xz): " + xz.cause());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(xz.available(), xz.cause());
        Process p = new ProcessBuilder("xz", "-c", "--check=crc32").start();
        try (OutputStream o = p.getOutputStream()) {
            o.write(ELF);
        }
        byte[] compressed = p.getInputStream().readAllBytes();
        p.waitFor();
        assertArrayEquals(ELF, VmlinuxExtractor.decompress(bzImage(compressed), "test"));
    }

    @Test
    void shouldRefuseAnImageWithoutAKnownPayload() {
        IOException e = assertThrows(IOException.class, () -> VmlinuxExtractor.decompress(bzImage(ELF), "img"));
        assertTrue(e.getMessage().startsWith("img: no xz or gzip payload"), e.getMessage());
    }

    @Test
    void shouldRefuseAPayloadThatIsNotElf() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(new byte[] {'M', 'Z', 0, 0});
        }
        IOException e = assertThrows(IOException.class,
                () -> VmlinuxExtractor.decompress(bzImage(gz.toByteArray()), "img"));
        assertTrue(e.getMessage().contains("not an ELF file (starts with 4d5a0000)"), e.getMessage());
    }
}
