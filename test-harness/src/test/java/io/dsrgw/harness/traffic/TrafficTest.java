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

    @Test
    void shouldAnswerTheLengthAndDigestOfAnUploadedBody() throws Exception {
        try (BackendHttpServer s = BackendHttpServer.start("b3", InetAddress.getLoopbackAddress(), 0);
             HttpClient http = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + s.address().getPort();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String sha = Blob.write(300_001, body);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("b3 300001 " + sha + "\n", r.body());
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("b3 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", put.body());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/upload")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
    }

    @Test
    void shouldEchoNameLengthAndDigestOfEachDatagramFromTheBoundAddress() throws Exception {
        try (UdpEchoServer s = UdpEchoServer.start("b2", InetAddress.getLoopbackAddress(), 0);
             java.net.DatagramSocket client = new java.net.DatagramSocket()) {
            client.setSoTimeout(5000);
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            String sha = Blob.write(40_000, payload);
            byte[] data = payload.toByteArray();
            client.send(new java.net.DatagramPacket(data, data.length, s.address()));
            byte[] in = new byte[200];
            java.net.DatagramPacket reply = new java.net.DatagramPacket(in, in.length);
            client.receive(reply);
            assertEquals("b2 40000 " + sha + "\n", new String(in, 0, reply.getLength(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(s.address(), reply.getSocketAddress());
        }
    }

    @Test
    void shouldParseTheUdpProbeResultLine() {
        UdpProbe.Result ok = UdpProbe.parse("attempt 1: no reply within 1000 ms\nattempt 2: reply from 10.1.0.1: b1 4000"
                + " ab\nexpected: bytes=4000 sha256=ab\nRESULT ok attempts=2 from=10.1.0.1 backend=b1 bytes=4000"
                + " sha256=ab\n");
        assertEquals(true, ok.ok());
        assertEquals(2, ok.attempts());
        assertEquals("b1", ok.backend());
        assertEquals(4000, ok.bytes());
        UdpProbe.Result none = UdpProbe.parse("Error: could not find main class\n");
        assertEquals(false, none.ok());
        assertEquals(-1, none.bytes());
        assertEquals("[fd00::1]:7", UdpProbe.hostPort("fd00::1", 7));
        assertEquals("10.0.0.1:7", UdpProbe.hostPort("10.0.0.1", 7));
    }

    @Test
    void shouldParsePingSummariesOfBothFamilies() {
        Ping.Result r = Ping.parse(0, "PING fd00:100::2(fd00:100::2) 56 data bytes\n...\n"
                + "3 packets transmitted, 3 received, 0% packet loss, time 404ms\n");
        assertEquals(3, r.sent());
        assertEquals(true, r.allAnswered());
        Ping.Result lost = Ping.parse(1, "5 packets transmitted, 2 received, +3 errors, 60% packet loss\n");
        assertEquals(2, lost.received());
        assertEquals(false, lost.allAnswered());
        assertEquals(false, Ping.parse(2, "ping: connect: Network is unreachable").allAnswered());
    }

    @Test
    void shouldBracketIpv6AddressesInUrls() {
        assertEquals("http://[fd00:100::a]:80/upload", Curl.url("fd00:100::a", 80, "/upload"));
        assertEquals("http://10.100.0.1:80/", Curl.url("10.100.0.1", 80, "/"));
    }
}
