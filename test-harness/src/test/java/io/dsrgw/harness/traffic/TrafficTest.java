package io.dsrgw.harness.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TrafficTest {
    @Test
    void shouldGenerateTheSameBlobForTheSameSizeAndReportItsDigest() throws Exception {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        String digest = Blob.write(100_003, a);
        assertEquals(100_003, a.size());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(a.toByteArray())), digest);
        assertEquals(digest, Blob.sha256Hex(100_003));
        assertNotEquals(digest, Blob.sha256Hex(100_004));
    }

    @Test
    void shouldServeNameBlobAndHealthOverLoopback() throws Exception {
        try (BackendHttpServer s = BackendHttpServer.start("b7", InetAddress.getLoopbackAddress(), 0);
             HttpClient http = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + s.address().getPort();
            HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("b7\n", root.body());
            assertEquals("b7", root.headers().firstValue("X-Backend").orElseThrow());
            HttpResponse<byte[]> blob = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/blob?bytes=70000")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(70_000, blob.body().length);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob.body()));
            assertEquals(sha, blob.headers().firstValue("X-SHA256").orElseThrow());
            assertEquals(Blob.sha256Hex(70_000), sha);
            assertEquals("ok\n", http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + "/blob?bytes=-1")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void shouldParseCurlWriteOutAndHeaders() {
        Curl.Response r = Curl.parse(0, "b2\n\n@@dsrgw-curl 200 3 0.004512 41234", "", Map.of());
        assertEquals(new Curl.Response(0, "", 200, "b2\n", 3, 0.004512, 41234, Map.of()), r);
        Curl.Response timeout = Curl.parse(28, "\n@@dsrgw-curl 000 0 2.001 0",
                "curl: (28) Connection timed out after 2001 milliseconds\n", Map.of());
        assertEquals("curl exit 28: curl: (28) Connection timed out after 2001 milliseconds", timeout.describe());
        assertEquals(Map.of("x-sha256", "abc", "content-length", "5"),
                Curl.parseHeaders("HTTP/1.1 100 Continue\r\nX-Old: 1\r\n\r\nHTTP/1.1 200 OK\r\nX-SHA256: abc\r\n"
                        + "Content-Length: 5\r\n\r\n"));
    }
}
