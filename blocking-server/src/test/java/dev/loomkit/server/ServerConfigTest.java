package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The configuration's builder: defaults, copies, and validation in one place naming the setting. */
class ServerConfigTest {

    @Test
    void testTheBuilderStartsFromTheDefaults() {
        var d = ServerConfig.defaults();
        assertEquals(d, ServerConfig.builder().build());
        assertEquals(d.hashCode(), ServerConfig.builder().build().hashCode());
        assertEquals(8080, d.port());
        assertEquals(ThreadMode.VIRTUAL, d.threadMode());
        assertEquals(10_000, d.maxConnections());
        assertEquals(Duration.ofMillis(100), d.clientGoneCheckAfter());
        assertTrue(d.clientGoneOnEndOfInput());
        assertNull(d.meterRegistry());
    }

    @Test
    void testWithMethodsAndTheBuilderMakeEqualCopiesAndLeaveTheOriginal() {
        var d = ServerConfig.defaults();
        var viaWith = d.withPort(0).withThreadMode(ThreadMode.PLATFORM).withPlatformPoolSize(8)
                .withRequestTimeout(Duration.ofSeconds(2)).withAccessLog(true);
        var viaBuilder = ServerConfig.builder().port(0).threadMode(ThreadMode.PLATFORM).platformPoolSize(8)
                .requestTimeout(Duration.ofSeconds(2)).accessLog(true).build();
        assertEquals(viaBuilder, viaWith);
        assertEquals(viaWith, viaWith.toBuilder().build());
        assertNotEquals(d, viaWith);
        assertEquals(8080, d.port(), "a copy leaves the original alone");
        assertTrue(viaWith.toString().contains("platformPoolSize=8"), viaWith.toString());
    }

    @Test
    void testAdaptiveAdmissionIsOnInTheVirtualModeUnlessSetAndOffInThePools() {
        var d = ServerConfig.defaults();
        assertTrue(d.adaptiveAdmission(), "the virtual mode has no other bound on what it takes on");
        assertFalse(d.withThreadMode(ThreadMode.PLATFORM).adaptiveAdmission(), "a pool is its own limit");
        assertFalse(d.withThreadMode(ThreadMode.SELECTOR_POOL).adaptiveAdmission());
        // Unset, it follows the mode whichever way the copies go; set, it stays as set.
        assertTrue(d.withThreadMode(ThreadMode.PLATFORM).withThreadMode(ThreadMode.VIRTUAL).adaptiveAdmission());
        var off = d.withAdaptiveAdmission(false);
        assertFalse(off.adaptiveAdmission());
        assertNotEquals(d, off);
        assertTrue(d.withThreadMode(ThreadMode.PLATFORM).withAdaptiveAdmission(true).adaptiveAdmission());
        assertEquals(d.withAdaptiveAdmission(true).adaptiveAdmission(), d.adaptiveAdmission());
        assertTrue(d.toString().contains("adaptiveAdmission=true (the mode's default)"), d.toString());
        assertTrue(off.toString().contains("adaptiveAdmission=false,"), off.toString());
    }

    @Test
    void testEveryLimitIsCheckedAndTheErrorNamesIt() {
        List<UnaryOperator<ServerConfig.Builder>> bad = List.of(
                b -> b.port(-1), b -> b.port(65_536), b -> b.backlog(0), b -> b.maxConnections(0),
                b -> b.platformPoolSize(0), b -> b.platformQueueSize(0), b -> b.maxConcurrentRequests(0),
                b -> b.admissionTimeout(Duration.ZERO), b -> b.maxRequestLineBytes(10), b -> b.maxHeaderBytes(10),
                b -> b.maxHeaderCount(0), b -> b.maxBodyBytes(-1), b -> b.headerTimeout(Duration.ofSeconds(-1)),
                b -> b.idleTimeout(Duration.ZERO), b -> b.bodyTimeout(Duration.ZERO), b -> b.writeTimeout(Duration.ZERO),
                b -> b.requestTimeout(Duration.ZERO), b -> b.clientGoneCheckAfter(Duration.ZERO),
                b -> b.shutdownGrace(Duration.ofMillis(-1)));
        List<String> names = List.of("port", "port", "backlog", "maxConnections", "platformPoolSize", "platformQueueSize",
                "maxConcurrentRequests", "admissionTimeout", "maxRequestLineBytes", "maxHeaderBytes", "maxHeaderCount",
                "maxBodyBytes", "headerTimeout", "idleTimeout", "bodyTimeout", "writeTimeout", "requestTimeout",
                "clientGoneCheckAfter", "shutdownGrace");
        for (int i = 0; i < bad.size(); i++) {
            var builder = bad.get(i).apply(ServerConfig.builder());
            var e = assertThrows(IllegalArgumentException.class, builder::build);
            assertTrue(e.getMessage().startsWith(names.get(i) + " "), e.getMessage());
        }
        for (UnaryOperator<ServerConfig.Builder> missing : List.<UnaryOperator<ServerConfig.Builder>>of(
                b -> b.address(null), b -> b.threadMode(null), b -> b.overLimit(null), b -> b.idleTimeout(null))) {
            assertThrows(NullPointerException.class, () -> missing.apply(ServerConfig.builder()).build());
        }
        assertEquals(Duration.ZERO, ServerConfig.builder().shutdownGrace(Duration.ZERO).build().shutdownGrace(),
                "no grace is allowed");
    }
}
