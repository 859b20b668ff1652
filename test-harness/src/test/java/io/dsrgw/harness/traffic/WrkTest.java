package io.dsrgw.harness.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class WrkTest {
    @Test
    void shouldParseNon2xxResponsesFromARealRun() throws IOException {
        String out = """
                Running 1s test @ http://127.0.0.1:18089/nonexistent
                  1 threads and 2 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency     1.54ms    1.79ms  11.59ms   85.08%
                    Req/Sec     1.70k   278.61     2.29k    63.64%
                  1859 requests in 1.10s, 0.92MB read
                  Non-2xx or 3xx responses: 1859
                Requests/sec:   1689.61
                Transfer/sec:    858.01KB
                """;
        Wrk.Result r = Wrk.parse(0, out);
        assertEquals(1859, r.requests());
        assertEquals(1859, r.non2xx());
        assertEquals(1859, r.errors());
    }

    @Test
    void shouldParseSocketErrors() throws IOException {
        String out = """
                  32006 requests in 7.00s, 4.52MB read
                  Socket errors: connect 3, read 1, write 7, timeout 2
                Requests/sec:   4572.10
                """;
        Wrk.Result r = Wrk.parse(0, out);
        assertEquals(32006, r.requests());
        assertEquals(3, r.connectErrors());
        assertEquals(1, r.readErrors());
        assertEquals(7, r.writeErrors());
        assertEquals(2, r.timeouts());
        assertEquals(0, r.non2xx());
        assertEquals(13, r.errors());
    }

    @Test
    void shouldRefuseOutputWithoutASummary() {
        assertThrows(IOException.class, () -> Wrk.parse(1, "unable to connect to 127.0.0.1:9 Connection refused\n"));
    }
}
