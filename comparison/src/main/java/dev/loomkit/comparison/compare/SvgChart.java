package dev.loomkit.comparison.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A line chart as a self-contained SVG: one line per series, x on a log scale (connections, by
 * default; or percentiles, see {@link #xAxis}) or linear (time), y linear or log. No script, no
 * external file: it renders in a browser, a README and a PNG converter.
 */
final class SvgChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int W = 640;
    private static final int H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 150;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private final String title;
    private final String yLabel;
    private final boolean logY;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();
    private String xTitle = "connections (log scale)";
    private boolean logX = true;
    private java.util.function.DoubleFunction<String> xLabel = SvgChart::label;

    /** Sets the x axis: its title, log or linear scale, and how a tick is labelled (a log axis ticks at powers of 10). */
    SvgChart xAxis(String title, boolean log, java.util.function.DoubleFunction<String> labels) {
        this.xTitle = title;
        this.logX = log;
        this.xLabel = labels;
        return this;
    }

    SvgChart(String title, String yLabel, boolean logY) {
        this.title = title;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    SvgChart add(String name, double x, double y) {
        series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {x, y});
        return this;
    }

    String render() {
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (List<double[]> pts : series.values()) {
            for (double[] p : pts) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                if (!logY || p[1] > 0) {
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (minX == Double.MAX_VALUE) {
            minX = 1;
            maxX = 10;
        }
        if (minY == Double.MAX_VALUE) { // nothing to draw on this axis (a log scale of zeros, say)
            minY = logY ? 1 : 0;
            maxY = logY ? 10 : 1;
        }
        if (!logY) {
            minY = 0;
            maxY = maxY <= 0 ? 1 : maxY * 1.1;
        } else {
            minY = Math.pow(10, Math.floor(Math.log10(Math.max(minY, 1e-3))));
            maxY = Math.pow(10, Math.ceil(Math.log10(Math.max(maxY, minY * 10))));
        }
        double lx0 = logX ? Math.log10(Math.max(minX, 1)) : 0;
        double lx1 = logX ? Math.log10(Math.max(maxX, minX * 10)) : (maxX <= 0 ? 1 : maxX);
        double fx0 = lx0, fx1 = lx1, fy0 = minY, fy1 = maxY;
        var sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, esc(title)));
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        // axes and grid
        for (double x : xTicks(lx0, lx1)) {
            double px = LEFT + (xPos(x) - fx0) / (fx1 - fx0) * pw;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, TOP, px, TOP + ph));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP + ph + 18, xLabel.apply(x)));
        }
        for (double y : yTicks(fy0, fy1)) {
            double py = TOP + ph - scaleY(y, fy0, fy1) * ph;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, py, LEFT + pw, py));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, py + 4, label(y)));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n", LEFT, TOP, pw, ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + pw / 2, H - 12, esc(xTitle)));
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
                TOP + ph / 2, TOP + ph / 2, esc(yLabel)));
        int i = 0;
        for (var e : series.entrySet()) {
            String color = COLORS[i % COLORS.length];
            var path = new StringBuilder();
            for (double[] p : e.getValue()) {
                if (logY && p[1] <= 0) {
                    continue;
                }
                double px = LEFT + (xPos(p[0]) - fx0) / (fx1 - fx0) * pw;
                double py = TOP + ph - scaleY(p[1], fy0, fy1) * ph;
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, color));
            }
            sb.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, color));
            int ly = TOP + 10 + i * 20;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                    LEFT + pw + 12, ly, LEFT + pw + 32, ly, color));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + pw + 38, ly + 4, esc(e.getKey())));
            i++;
        }
        return sb.append("</svg>\n").toString();
    }

    /** {@return x on the axis's own scale: its log for a log axis} */
    private double xPos(double x) {
        return logX ? Math.log10(Math.max(x, 1)) : x;
    }

    /** {@return the x ticks: powers of 10 within [10^lx0, 10^lx1] on a log axis, round steps from 0 on a linear one} */
    private List<Double> xTicks(double lx0, double lx1) {
        List<Double> ticks = new ArrayList<>();
        if (logX) {
            for (double x = Math.pow(10, Math.floor(lx0)); x <= Math.pow(10, Math.ceil(lx1)) * 1.0001 && ticks.size() < 20; x *= 10) {
                if (Math.log10(x) >= lx0 - 1e-9 && Math.log10(x) <= lx1 + 1e-9) {
                    ticks.add(x);
                }
            }
            return ticks;
        }
        return linearTicks(lx0, lx1);
    }

    private double scaleY(double y, double y0, double y1) {
        if (logY) {
            return (Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0));
        }
        return (y - y0) / (y1 - y0);
    }

    private List<Double> yTicks(double y0, double y1) {
        List<Double> ticks = new ArrayList<>();
        if (logY) {
            for (double y = y0; y <= y1 * 1.0001 && ticks.size() < 20; y *= 10) {
                ticks.add(y);
            }
            return ticks;
        }
        return linearTicks(y0, y1);
    }

    private static List<Double> linearTicks(double v0, double v1) {
        List<Double> ticks = new ArrayList<>();
        double step = Math.pow(10, Math.floor(Math.log10((v1 - v0) / 5)));
        if ((v1 - v0) / step > 10) {
            step *= 2;
        }
        if ((v1 - v0) / step > 10) {
            step *= 2.5;
        }
        for (double v = 0; v <= v1 && ticks.size() < 20; v += step) {
            ticks.add(v);
        }
        return ticks;
    }

    static String label(double v) {
        if (v >= 1_000_000) {
            return trim(v / 1_000_000) + "M";
        }
        if (v >= 1_000) {
            return trim(v / 1_000) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
