package io.dsrgw.encap.pcap;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of {@link PcapReader} with whole files: reading any file either returns records or ends
 * in an {@link IOException} whose message names the file (never another exception), every record lies inside the
 * file and inside itself (IP offset and length within the captured bytes), and the memory the reader allocates is
 * bounded by the file, not by the lengths it claims (issue 14: a 40-byte file must not allocate 2 GiB).
 *
 * <p>{@code mvn test} runs the saved inputs ({@code PcapReaderFuzzTestInputs/pcap/}); {@code scripts/fuzz} fuzzes.
 */
class PcapReaderFuzzTest {
    /**
     * What opening and reading a small file may allocate besides its records: buffers, messages, the stream, and
     * whatever the JDK loads lazily on a first use (a bug of the kind this looks for allocates gigabytes).
     */
    static final long FIXED_ALLOCATION_BYTES = 16 << 20;

    static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("dsrgw-pcap-fuzz", ".pcap");
        // warm-up: the first open loads NIO and exception classes, megabytes the bound is not about
        try (PcapReader r = PcapReader.open(file)) {
            r.next(new PcapRecord());
        } catch (IOException expected) {
            // an empty file: truncated global header
        }
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest(maxDuration = "10m")
    void pcap(byte[] data) throws IOException {
        Files.write(file, data);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        long recordBytes = 0;
        try (PcapReader reader = PcapReader.open(file)) {
            PcapRecord rec = new PcapRecord();
            long offset = PcapReader.GLOBAL_HEADER_LENGTH;
            while (reader.next(rec)) {
                offset += PcapReader.RECORD_HEADER_LENGTH + rec.capturedLength();
                check(offset <= data.length, "record " + reader.recordCount() + " ends at " + offset
                        + ", past the end of a " + data.length + "-byte file");
                check(rec.capturedLength() >= 0 && rec.capturedLength() <= rec.data().byteSize(),
                        "captured length " + rec.capturedLength() + " of a " + rec.data().byteSize() + "-byte buffer");
                if (rec.ipOffset() >= 0) {
                    check(rec.ipOffset() + rec.ipLength() <= rec.capturedLength() && rec.ipLength() >= 0,
                            "IP at " + rec.ipOffset() + " + " + rec.ipLength() + " beyond " + rec.capturedLength());
                }
                recordBytes += rec.capturedLength();
            }
            check(offset == data.length, "records end at " + offset + " in a " + data.length + "-byte file");
        } catch (IOException e) {
            check(e.getMessage() != null && e.getMessage().startsWith(file.toString()),
                    "error does not name the file: " + e.getMessage());
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        check(allocated <= FIXED_ALLOCATION_BYTES + 4L * data.length + 2 * recordBytes, "reading a " + data.length
                + "-byte file allocated " + allocated + " bytes");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
