package dev.loomkit.comparison.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/** The load generator's line protocol: written and read by one class, with one JSON library. */
class LoadLineTest {

    @Test
    void testAnEndLineRoundTripsWithItsFigures() {
        var figures = new LinkedHashMap<String, Double>();
        figures.put("seconds", 3.001);
        figures.put("requests", 12_345.0);
        figures.put("p99", -1.0);
        String json = new LoadLine(7, 1000, LoadLine.END, figures).json();
        assertTrue(json.startsWith("{\"point\":7,\"connections\":1000,\"phase\":\"end\""), json);
        LoadLine back = LoadLine.parse(json).orElseThrow();
        assertEquals(7, back.point());
        assertEquals(1000, back.connections());
        assertEquals(LoadLine.END, back.phase());
        assertEquals(12_345.0, back.figure("requests"));
        assertEquals(-1.0, back.figure("p99"));
        var missing = assertThrows(IllegalStateException.class, () -> back.figure("max"));
        assertTrue(missing.getMessage().contains("no 'max'"), missing.getMessage());
    }

    @Test
    void testWhatIsNotALineOfTheProtocolIsPassedOver() {
        assertTrue(LoadLine.parse("point 3: first I/O error: connection reset").isEmpty());
        assertTrue(LoadLine.parse("{not json").isEmpty());
        assertTrue(LoadLine.parse("{\"point\":\"x\",\"connections\":1,\"phase\":\"end\"}").isEmpty());
        assertEquals(LoadLine.WARM, LoadLine.parse(LoadLine.of(0, 4, LoadLine.WARM).json()).orElseThrow().phase());
    }
}
