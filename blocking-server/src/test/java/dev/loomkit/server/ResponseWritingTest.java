package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Response heads are written into a small per-connection buffer that grows for a large head; a head
 * or body larger than its largest size still goes out whole and in order.
 */
@Timeout(30)
class ResponseWritingTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHeadsAndBodiesOfEverySizeArriveWholeOnOneConnection(ThreadMode mode) throws Exception {
        var router = Router.builder()
                .get("/sized", r -> {
                    int head = Integer.parseInt(r.queryParam("head").orElse("0"));
                    int body = Integer.parseInt(r.queryParam("body").orElse("0"));
                    var response = Response.text(200, "b".repeat(body));
                    return head == 0 ? response : response.withHeader("X-Big", "h".repeat(head));
                })
                .build();
        try (var server = new TestServer(TestServer.config(mode), router); var c = server.raw()) {
            // Sizes around the buffer's first size (512), its largest (8 KiB), and far past both.
            int[] sizes = {0, 100, 400, 600, 3_000, 8_000, 9_000, 100_000};
            for (int head : sizes) {
                for (int body : sizes) {
                    var reply = c.exchange("GET /sized?head=" + head + "&body=" + body + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals(200, reply.status());
                    assertEquals(body, reply.body().length(), "body of " + body + " after a head field of " + head);
                    assertEquals(head == 0 ? null : "h".repeat(head), reply.headers().get("x-big"));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testAnswersToPipelinedRequestsLeaveBeforeTheServerWaitsForMore(ThreadMode mode) throws Exception {
        var router = Router.builder().get("/n", r -> Response.text(200, r.queryParam("i").orElse("?"))).build();
        try (var server = new TestServer(TestServer.config(mode), router); var c = server.raw()) {
            // Three whole requests and the start of a fourth: the first three answers must all be out
            // while the server waits for the rest of the fourth.
            c.send("GET /n?i=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?i=2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /n?i=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?i=4 HT");
            for (int i = 1; i <= 3; i++) {
                var reply = c.read();
                assertEquals(200, reply.status());
                assertEquals(Integer.toString(i), reply.body());
            }
            var last = c.send("TP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals("4", last.body());
        }
    }
}
