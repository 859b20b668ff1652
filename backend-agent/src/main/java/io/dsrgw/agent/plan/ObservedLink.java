package io.dsrgw.agent.plan;

/**
 * A network device as {@code ip -j -d link show} reports it.
 *
 * @param name          device name
 * @param index         interface index
 * @param adminUp       the UP flag (administratively up; the carrier may still be down)
 * @param kind          {@code linkinfo.info_kind} ({@code tun}, {@code veth}, ...), null for none (lo, physical)
 * @param tunPi         a tun device with packet information (IFF_NO_PI clear)
 * @param tunMultiQueue a multi-queue tun device
 * @param addrGenMode   {@code inet6_addr_gen_mode} ({@code eui64}, {@code none}, ...), null when not reported
 * @param mtuBytes      {@code mtu}, -1 when not reported
 * @param infoData      the scalar fields of {@code linkinfo.info_data} as text (tunnels: {@code local},
 *                      {@code remote}, {@code ikey}, {@code proto}, ...); empty for none
 */
public record ObservedLink(String name, int index, boolean adminUp, String kind, boolean tunPi, boolean tunMultiQueue,
                           String addrGenMode, int mtuBytes, java.util.Map<String, String> infoData) {
    public ObservedLink {
        infoData = java.util.Map.copyOf(infoData);
    }

    /** Without MTU and info_data (a device whose MTU and parameters do not matter). */
    public ObservedLink(String name, int index, boolean adminUp, String kind, boolean tunPi, boolean tunMultiQueue,
                        String addrGenMode) {
        this(name, index, adminUp, kind, tunPi, tunMultiQueue, addrGenMode, -1, java.util.Map.of());
    }
}
