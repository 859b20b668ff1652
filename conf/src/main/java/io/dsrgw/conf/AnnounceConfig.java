package io.dsrgw.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * How the gateway announces its VIPs to the routers ({@code dsrgw.gateway.announce}, DESIGN.md decision 14): it
 * keeps one route per announced VIP address ({@code /32}, {@code /128}, pointing into its ingress device) in kernel
 * routing table {@link #table}; BIRD's {@code kernel} protocol learns that table and exports it over BGP. The
 * gateway never speaks BGP itself.
 *
 * @param table         the kernel routing table the announce routes go into, 1..4294967295 except 253 (default),
 *                      254 (main) and 255 (local); {@link #OFF_TABLE} (0) when announcing is off (no table set)
 * @param withdrawGrace how long a stopping gateway keeps forwarding after it withdrew its routes, so that the
 *                      routers converge before its forwarding ends (0s..10m)
 */
public record AnnounceConfig(long table, Duration withdrawGrace) {
    /** {@link #table} when announcing is off. */
    public static final long OFF_TABLE = 0;
    /** Largest routing table id (rtm_table / RTA_TABLE is a 32-bit unsigned integer). */
    public static final long MAX_TABLE = 0xffff_ffffL;
    /** RT_TABLE_DEFAULT, RT_TABLE_MAIN, RT_TABLE_LOCAL (linux/rtnetlink.h): the system's own tables. */
    public static final long RT_TABLE_DEFAULT = 253;
    public static final long RT_TABLE_MAIN = 254;
    public static final long RT_TABLE_LOCAL = 255;
    /** Default of {@link #withdrawGrace}. */
    public static final Duration DEFAULT_WITHDRAW_GRACE = Duration.ofSeconds(5);
    /** Largest {@link #withdrawGrace}. */
    public static final Duration MAX_WITHDRAW_GRACE = Duration.ofMinutes(10);
    /** Announcing off (no {@code announce.table}). */
    public static final AnnounceConfig OFF = new AnnounceConfig(OFF_TABLE, DEFAULT_WITHDRAW_GRACE);

    public AnnounceConfig {
        Objects.requireNonNull(withdrawGrace, "withdrawGrace");
        if (table < 0 || table > MAX_TABLE || isSystemTable(table)) {
            throw new IllegalArgumentException("table " + table + " (expected: 1.." + MAX_TABLE
                + " except 253, 254, 255, or 0 for off)");
        }
        if (withdrawGrace.isNegative() || withdrawGrace.compareTo(MAX_WITHDRAW_GRACE) > 0) {
            throw new IllegalArgumentException("withdrawGrace " + withdrawGrace + " (expected: 0s..10m)");
        }
    }

    /** @return true for the tables the system keeps its own routes in (default, main, local) */
    public static boolean isSystemTable(long table) {
        return table == RT_TABLE_DEFAULT || table == RT_TABLE_MAIN || table == RT_TABLE_LOCAL;
    }

    /** @return true when the gateway announces (a table is set) */
    public boolean enabled() {
        return table != OFF_TABLE;
    }

    @Override
    public String toString() {
        return enabled() ? "announce table " + table + " withdraw-grace " + Hocon.formatDuration(withdrawGrace)
            : "announce off";
    }
}
