package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's module-path execution: the server is a named module that reads the
 * toolkit as a module, exports its API package and not its codec, and starts and answers there (ServerProtocolTest
 * runs beside it on the module path).
 */
@EnabledIfSystemProperty(named = "loomkit.modulePath", matches = "true")
class ServerModulePathTest {

    @Test
    void testTheServerIsANamedModuleOnTheNamedToolkit() throws Exception {
        Module m = HttpServer.class.getModule();
        assertTrue(m.isNamed(), "run on the class path: this test belongs to the module-path execution");
        assertEquals("dev.loomkit.server", m.getName());
        assertEquals(java.util.Set.of("dev.loomkit.server"), m.getDescriptor().exports().stream()
                .map(java.lang.module.ModuleDescriptor.Exports::source).collect(java.util.stream.Collectors.toSet()));
        assertTrue(m.getPackages().contains("dev.loomkit.server.http1"), "the codec is in the module, not exported");
        Module toolkit = dev.loomkit.toolkit.Scope.class.getModule();
        assertTrue(toolkit.isNamed() && m.canRead(toolkit), "the toolkit is read as a named module");
        assertTrue(m.canRead(ModuleLayer.boot().findModule("jdk.management").orElseThrow()), "requires jdk.management");
        try (var server = new TestServer(ThreadMode.VIRTUAL, Router.builder().get("/hello", r -> Response.text(200, "hi")).build())) {
            assertEquals("hi", server.get("/hello").body());
        }
    }
}
