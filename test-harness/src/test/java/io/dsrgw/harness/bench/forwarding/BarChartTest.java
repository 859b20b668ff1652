package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BarChartTest {
    private static final List<BarChart.Panel> PANELS = List.of(
            new BarChart.Panel("delivered Mpps", "%.2f", List.of(new BarChart.Bar("K", 1.0, 0.9, 1.1),
                    new BarChart.Bar("X", Double.NaN, Double.NaN, Double.NaN))),
            new BarChart.Panel("ns", "%.0f", List.of(new BarChart.Bar("K", 900, 850, 950))));

    @Test
    void shouldDrawABarForAMeasuredConfigurationAndNoneForANotMeasuredOne() {
        BufferedImage img = BarChart.render("t", PANELS);
        assertEquals(2 * BarChart.PANEL_WIDTH, img.getWidth());
        assertEquals(BarChart.HEIGHT, img.getHeight());
        // Panel 1: plot from x 60 to 460, two slots of 200; bar K centred at x 160, X at 360. Just above the axis
        // (y = HEIGHT - 50), K's bar is coloured, X's slot is white.
        int y = BarChart.HEIGHT - 55;
        int k = img.getRGB(60 + 100 + 30, y) & 0xffffff;
        int x = img.getRGB(60 + 300 + 30, y) & 0xffffff;
        assertNotEquals(0xffffff, k, "K's bar");
        assertEquals(0xffffff, x, "no bar for X");
    }

    @Test
    void shouldWriteAPngThatReadsBack(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/chart.png");
        BarChart.writePng("t", PANELS, png);
        assertTrue(Files.size(png) > 0);
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(2 * BarChart.PANEL_WIDTH, back.getWidth());
    }

    @Test
    void shouldRoundTheScaleUpToARoundMultipleOfAPowerOfTen() {
        assertEquals(2.0, BarChart.niceCeiling(1.21), 1e-12);
        assertEquals(2500, BarChart.niceCeiling(2100), 1e-9);
        assertEquals(1.0, BarChart.niceCeiling(1.0), 1e-12);
        assertEquals(6, BarChart.niceCeiling(5.5), 1e-12);
        assertEquals(100, BarChart.niceCeiling(81), 1e-12);
    }
}
