package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** wrk's report, as wrk 4.1 prints it, parsed into the comparison's fields. */
class WrkLoadTest {
    private static final String OUTPUT = """
            Running 10s test @ http://127.0.0.1:18080/sleep?ms=50
              2 threads and 1000 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency    51.68ms    2.72ms   1.20s    92.93%
                Req/Sec     9.62k   452.11    10.41k    71.50%
              Latency Distribution
                 50%   50.94ms
                 75%   51.80ms
                 90%  520.00us
                 99%    2.10s
              192489 requests in 10.06s, 23.68MB read
              Socket errors: connect 1, read 2, write 3, timeout 4
              Non-2xx or 3xx responses: 89
            Requests/sec:  19130.29
            Transfer/sec:      2.35MB
            """;

    @Test
    void testWrkReportIsParsedWithUnits() throws Exception {
        var r = WrkLoad.parse(OUTPUT);
        assertEquals(10.06, r.seconds(), 1e-9);
        assertEquals(192_400, r.ok());
        assertEquals(50.94, r.p50(), 1e-9);
        assertEquals(0.52, r.p90(), 1e-9);
        assertEquals(2_100, r.p99(), 1e-9);
        assertEquals(1_200, r.max(), 1e-9);
        assertEquals(6, r.errors());
        assertEquals(4, r.timeouts());
        assertEquals(89, r.non2xx());
        assertTrue(Math.abs(r.throughput() - 192_400 / 10.06) < 1e-6);
    }

    @Test
    void testUnexpectedOutputIsAnError() {
        assertThrows(java.io.IOException.class, () -> WrkLoad.parse("unable to connect to 127.0.0.1:1 Connection refused"));
    }
}
