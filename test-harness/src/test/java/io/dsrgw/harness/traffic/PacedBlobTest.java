package io.dsrgw.harness.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class PacedBlobTest {
    @Test
    void shouldPaceTheBlobToTheRequestedRateAndKeepItsDigest() throws Exception {
        try (BackendHttpServer server = BackendHttpServer.start("b1", InetAddress.getLoopbackAddress(), 0);
             HttpClient client = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            long bytes = 256 * 1024;
            long start = System.nanoTime();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(
                    URI.create(base + "/blob?bytes=" + bytes + "&rate=" + 512 * 1024)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(200, r.statusCode());
            assertEquals(bytes, r.body().length);
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body()));
            assertEquals(Blob.sha256Hex(bytes), digest);
            assertTrue(seconds >= 0.45, "256 KiB at 512 KiB/s took only " + seconds + " s");

            HttpResponse<String> bad = client.send(HttpRequest.newBuilder(
                    URI.create(base + "/blob?bytes=10&rate=-1")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode(), bad.body());
        }
    }
}
