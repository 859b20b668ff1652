package io.dsrgw.conf;

/** Transport protocol of a VIP; with the address and port it selects the VIP of a packet. */
public enum Protocol {
    TCP(6), UDP(17);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** @return the IANA protocol number carried in the IPv4 protocol / IPv6 next-header field (6, 17) */
    public int number() {
        return number;
    }

    /** @return the configuration spelling ("tcp", "udp") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
