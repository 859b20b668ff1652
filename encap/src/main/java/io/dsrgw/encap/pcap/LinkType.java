package io.dsrgw.encap.pcap;

/** LINKTYPE_ values (tcpdump.org "Link-layer header types") that dsrgw reads and writes. */
public final class LinkType {
    /** Ethernet II; an IP packet starts after 14 bytes (18 with one 802.1Q tag). */
    public static final int ETHERNET = 1;
    /** Raw IP: each record starts with an IPv4 or IPv6 header. */
    public static final int RAW = 101;
    /** Raw IPv4 only. */
    public static final int IPV4 = 228;
    /** Raw IPv6 only. */
    public static final int IPV6 = 229;

    private LinkType() {
    }

    /** True for the link types {@link PcapReader} understands. */
    public static boolean supported(int linkType) {
        return linkType == ETHERNET || linkType == RAW || linkType == IPV4 || linkType == IPV6;
    }

    /** "RAW (101)" etc., for messages. */
    public static String describe(int linkType) {
        return switch (linkType) {
            case ETHERNET -> "ETHERNET (1)";
            case RAW -> "RAW (101)";
            case IPV4 -> "IPV4 (228)";
            case IPV6 -> "IPV6 (229)";
            default -> Integer.toString(linkType);
        };
    }
}
