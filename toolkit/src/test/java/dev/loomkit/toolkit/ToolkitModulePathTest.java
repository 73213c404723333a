package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs only in the build's module-path execution: the toolkit is a named module, and its
 * descriptor exports the API packages and hides the internal one.
 */
@EnabledIfSystemProperty(named = "loomkit.modulePath", matches = "true")
class ToolkitModulePathTest {

    @Test
    void testTheToolkitIsANamedModuleExportingOnlyItsApi() {
        Module m = Scope.class.getModule();
        assertTrue(m.isNamed(), "run on the class path: this test belongs to the module-path execution");
        assertEquals("dev.loomkit.toolkit", m.getName());
        for (String api : new String[] {"dev.loomkit.toolkit", "dev.loomkit.toolkit.sync", "dev.loomkit.toolkit.metrics"}) {
            assertTrue(m.isExported(api), api);
        }
        assertFalse(m.isExported("dev.loomkit.toolkit.internal"), "internal is exported");
        assertFalse(m.isExported("dev.loomkit.toolkit.host"), "host is exported to everyone");
        assertTrue(m.getDescriptor().exports().stream().anyMatch(e -> e.source().equals("dev.loomkit.toolkit.host")
                && e.targets().equals(java.util.Set.of("dev.loomkit.server"))), "host is exported to the server only");
    }
}
