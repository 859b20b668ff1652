package io.dsrgw.harness.bench.forwarding;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * A PNG bar chart drawn with java.awt in headless mode (no display, no extra library): one panel per metric, one
 * bar per configuration at the median with a whisker from min to max, the median written above it; a
 * configuration without measurements shows "not measured" instead of a bar.
 */
public final class BarChart {
    /** One bar: label under it, median, min, max (NaN: not measured). */
    public record Bar(String label, double median, double min, double max) {
    }

    /** One panel: title, unit shown on the value labels, bars. */
    public record Panel(String title, String valueFormat, List<Bar> bars) {
    }

    static final int PANEL_WIDTH = 480;
    static final int HEIGHT = 400;
    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
            new Color(0xC44E52), new Color(0x8172B3)};

    private BarChart() {
    }

    /** Renders the panels side by side, {@value #PANEL_WIDTH} pixels each, {@value #HEIGHT} high. */
    public static BufferedImage render(String title, List<Panel> panels) {
        System.setProperty("java.awt.headless", "true");
        int width = PANEL_WIDTH * Math.max(1, panels.size());
        BufferedImage img = new BufferedImage(width, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            centered(g, title, width / 2, 22);
            for (int i = 0; i < panels.size(); i++) {
                drawPanel(g, panels.get(i), i * PANEL_WIDTH);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** {@link #render} written as PNG to {@code file} (parent directories created). */
    public static void writePng(String title, List<Panel> panels, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(render(title, panels), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK (javax.imageio) for " + file);
        }
    }

    private static void drawPanel(Graphics2D g, Panel panel, int x0) {
        int left = x0 + 60;
        int right = x0 + PANEL_WIDTH - 20;
        int top = 60;
        int bottom = HEIGHT - 50;
        double maxValue = 0;
        for (Bar b : panel.bars()) {
            if (!Double.isNaN(b.max())) {
                maxValue = Math.max(maxValue, b.max());
            }
        }
        double scaleMax = niceCeiling(maxValue <= 0 ? 1 : maxValue * 1.1);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        centered(g, panel.title(), (left + right) / 2, 45);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        // Axis with 5 grid lines.
        for (int i = 0; i <= 5; i++) {
            double v = scaleMax * i / 5;
            int y = bottom - (int) Math.round((bottom - top) * (v / scaleMax));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String t = String.format(Locale.ROOT, panel.valueFormat(), v);
            g.drawString(t, left - 6 - g.getFontMetrics().stringWidth(t), y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        int n = panel.bars().size();
        int slot = (right - left) / Math.max(1, n);
        int barWidth = (int) (slot * 0.6);
        for (int i = 0; i < n; i++) {
            Bar b = panel.bars().get(i);
            int cx = left + slot * i + slot / 2;
            g.setColor(Color.BLACK);
            centered(g, b.label(), cx, bottom + 16);
            if (Double.isNaN(b.median())) {
                g.setColor(Color.GRAY);
                centered(g, "not", cx, bottom - 26);
                centered(g, "measured", cx, bottom - 12);
                continue;
            }
            int yMedian = y(b.median(), scaleMax, top, bottom);
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(cx - barWidth / 2, yMedian, barWidth, bottom - yMedian);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.5f));
            int yMin = y(b.min(), scaleMax, top, bottom);
            int yMax = y(b.max(), scaleMax, top, bottom);
            g.drawLine(cx, yMin, cx, yMax);
            g.drawLine(cx - 8, yMin, cx + 8, yMin);
            g.drawLine(cx - 8, yMax, cx + 8, yMax);
            g.setStroke(new BasicStroke(1f));
            centered(g, String.format(Locale.ROOT, panel.valueFormat(), b.median()), cx, Math.min(yMax, yMedian) - 5);
        }
        g.setColor(Color.DARK_GRAY);
        centered(g, "bar: median, whisker: min..max over rounds", (left + right) / 2, bottom + 34);
    }

    private static int y(double v, double scaleMax, int top, int bottom) {
        return bottom - (int) Math.round((bottom - top) * Math.min(1, v / scaleMax));
    }

    /** The smallest of 1, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least {@code v} (v > 0). */
    static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(s, cx - fm.stringWidth(s) / 2, baseline);
    }
}
