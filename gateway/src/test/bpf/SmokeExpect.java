import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The Java half of smoke.sh (run with the JDK's source launcher against the encap jar): encodes map keys and
 * values per dsrgw_xdp.h, builds input frames, and computes what the Java data plane (FlowHash, Maglev slot,
 * TunnelEncapsulator) makes of a frame, to compare with the XDP program's output byte for byte. Test tool only.
 *
 * <pre>
 * config SEED RING_SIZE MTU SRC4 SRC6 TTL         dsrgw_config value (88 bytes)
 * vipkey ADDR PROTO PORT                           dsrgw_vip_key (20 bytes)
 * vipval VIP_ID RING_ID FLAGS                      dsrgw_vip_value (16 bytes)
 * backend ADDR VIP_ID KIND GREKEY|- STATE          dsrgw_backend (32 bytes)
 * u32 N                                            4 bytes, host order
 * flowkey SRC SPORT DST DPORT PROTO                dsrgw_flow_key (40 bytes) = FlowHash.canonicalBytes
 * slot SEED RING_SIZE SRC SPORT DST DPORT PROTO    the flow's Maglev slot (ForwardingSnapshot.slotOf)
 * frame FILE VLAN SRC SPORT DST DPORT PROTO TCPFLAGS TOS PAD [UDP_PAYLOAD]
 *                                                  Ethernet (+ 802.1Q tag if VLAN != 0) + IP + TCP/UDP
 * icmpframe FILE SRC DST                           Ethernet + IPv4 + ICMP echo request
 * ctx FILE IFINDEX LEN                             struct xdp_md for BPF_PROG_TEST_RUN
 * expect IN OUT SEED RING_SIZE KIND SRC TTL GREKEY|- MTU DMAC SMAC BACKEND[,BACKEND...]
 *        expected backend = BACKENDS[slot % n]; DMAC "auto" = 02:00 + the backend address's last 4 bytes;
 *        prints "ok ..." or "FAIL ..." (exit 1)
 * </pre>
 * Hex output is space-separated bytes, as bpftool's "hex" arguments take them.
 */
public final class SmokeExpect {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "config" -> print(config(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]), a[4], a[5],
                    Integer.parseInt(a[6])));
            case "vipkey" -> {
                ByteBuffer b = le(20);
                byte[] addr = address16(a[1]);
                b.put(addr).order(ByteOrder.BIG_ENDIAN).putShort(16, (short) Integer.parseInt(a[3]));
                b.put(18, (byte) protocol(a[2])).put(19, (byte) family(a[1]));
                print(b.array());
            }
            case "vipval" -> print(le(16).putInt(Integer.parseInt(a[1])).putInt(Integer.parseInt(a[2]))
                    .putInt(Integer.parseInt(a[3])).putInt(0).array());
            case "backend" -> {
                ByteBuffer b = le(32);
                b.put(address16(a[1])).putInt(Integer.parseInt(a[2]));
                boolean keyed = !a[4].equals("-");
                b.putInt(keyed ? (int) Long.parseLong(a[4]) : 0);
                TunnelKind kind = TunnelKind.fromId(a[3]);
                b.put((byte) Integer.parseInt(a[5])).put((byte) kind.ordinal()).put((byte) kind.outerFamily())
                        .put((byte) (keyed ? 1 : 0)).putInt(0);
                print(b.array());
            }
            case "u32" -> print(le(4).putInt((int) Long.parseLong(a[1])).array());
            case "flowkey" -> print(FlowHash.canonicalBytes(key(a[1], Integer.parseInt(a[2]), a[3],
                    Integer.parseInt(a[4]), protocol(a[5]))));
            case "frame" -> Files.write(Path.of(a[1]), frame(Integer.parseInt(a[2]), a[3], Integer.parseInt(a[4]),
                    a[5], Integer.parseInt(a[6]), protocol(a[7]), Integer.decode(a[8]), Integer.decode(a[9]),
                    Integer.parseInt(a[10]), a.length > 11 ? Integer.parseInt(a[11]) : 12));
            case "icmpframe" -> Files.write(Path.of(a[1]), icmpFrame(a[2], a[3]));
            case "ctx" -> Files.write(Path.of(a[1]), le(24).putInt(0).putInt(Integer.parseInt(a[3])).putInt(0)
                    .putInt(Integer.parseInt(a[2])).putInt(0).putInt(0).array());
            case "slot" -> {
                long hash = FlowHash.fromSeed(a[1]).hash(key(a[3], Integer.parseInt(a[4]), a[5],
                        Integer.parseInt(a[6]), protocol(a[7])));
                System.out.println(slotOf(hash, Integer.parseInt(a[2])));
            }
            case "expect" -> System.exit(expect(a) ? 0 : 1);
            default -> throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void print(byte[] b) {
        System.out.println(HEX.formatHex(b));
    }

    private static int protocol(String p) {
        return switch (p) {
            case "tcp" -> 6;
            case "udp" -> 17;
            default -> Integer.parseInt(p);
        };
    }

    private static int family(String address) throws Exception {
        return InetAddress.getByName(address).getAddress().length == 4 ? 4 : 6;
    }

    /** dsrgw_xdp.h's 16-byte address field: IPv6 as is, IPv4 in bytes 12..15 after 12 zero bytes. */
    private static byte[] address16(String address) throws Exception {
        byte[] raw = InetAddress.getByName(address).getAddress();
        byte[] out = new byte[16];
        System.arraycopy(raw, 0, out, 16 - raw.length, raw.length);
        return out;
    }

    private static long half(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 8).order(ByteOrder.BIG_ENDIAN).getLong();
    }

    private static FlowKey key(String src, int sport, String dst, int dport, int protocol) throws Exception {
        byte[] s = address16(src);
        byte[] d = address16(dst);
        FlowKey k = new FlowKey();
        if (family(src) == 4) {
            k.setIpv4((int) half(s, 8), (int) half(d, 8), protocol, sport, dport, false);
        } else {
            k.setIpv6(half(s, 0), half(s, 8), half(d, 0), half(d, 8), protocol, sport, dport, false);
        }
        return k;
    }

    private static byte[] config(String seed, int ringSize, int mtu, String src4, String src6, int ttl)
            throws Exception {
        FlowHash h = FlowHash.fromSeed(seed);
        ByteBuffer b = le(88).putLong(h.k0()).putLong(h.k1());
        long[] timeouts = {10_000_000_000L, 300_000_000_000L, 10_000_000_000L, 30_000_000_000L, 30_000_000_000L};
        for (long t : timeouts) {
            b.putLong(t);
        }
        b.putInt(ringSize).putInt(mtu).put(InetAddress.getByName(src6).getAddress())
                .put(InetAddress.getByName(src4).getAddress()).put((byte) ttl).put((byte) 3).putShort((short) 0);
        return b.array();
    }

    private static byte[] frame(int vlan, String src, int sport, String dst, int dport, int protocol, int tcpFlags,
                                int tos, int pad, int udpPayload) throws Exception {
        boolean v4 = family(src) == 4;
        int l4 = protocol == 6 ? 20 : 8;
        int payload = protocol == 6 ? 0 : udpPayload;
        int ipLength = (v4 ? 20 : 40) + l4 + payload;
        int l2 = vlan != 0 ? 18 : 14;
        ByteBuffer b = ByteBuffer.allocate(l2 + ipLength + pad);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2});
        if (vlan != 0) {
            b.putShort((short) 0x8100).putShort((short) vlan);
        }
        b.putShort((short) (v4 ? 0x0800 : 0x86dd));
        if (v4) {
            b.put((byte) 0x45).put((byte) tos).putShort((short) ipLength).putShort((short) 0x1234)
                    .putShort((short) 0x4000).put((byte) 63).put((byte) protocol).putShort((short) 0)
                    .put(InetAddress.getByName(src).getAddress()).put(InetAddress.getByName(dst).getAddress());
        } else {
            b.putInt(6 << 28 | tos << 20 | 0x12345).putShort((short) (l4 + payload)).put((byte) protocol)
                    .put((byte) 63).put(InetAddress.getByName(src).getAddress())
                    .put(InetAddress.getByName(dst).getAddress());
        }
        b.putShort((short) sport).putShort((short) dport);
        if (protocol == 6) {
            b.putInt(1000).putInt(tcpFlags == 0x02 ? 0 : 2000).put((byte) 0x50).put((byte) tcpFlags)
                    .putShort((short) 64240).putInt(0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
            for (int i = 0; i < payload; i++) {
                b.put((byte) ('a' + i % 26));
            }
        }
        return b.array(); // padding: zeros
    }

    private static byte[] icmpFrame(String src, String dst) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(14 + 28);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 1).putShort((short) 0).put(InetAddress.getByName(src).getAddress())
                .put(InetAddress.getByName(dst).getAddress());
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 7).putShort((short) 1);
        return b.array();
    }

    /** ForwardingSnapshot.slotOf: Lemire's reduction of the hash's upper 32 bits. */
    private static int slotOf(long hash, int tableSize) {
        return (int) (((hash >>> 32) * tableSize) >>> 32);
    }

    /** The Java data plane's answer for frame IN, compared with the XDP program's output frame OUT. */
    private static boolean expect(String[] a) throws Exception {
        byte[] in = Files.readAllBytes(Path.of(a[1]));
        byte[] out = Files.readAllBytes(Path.of(a[2]));
        FlowHash flowHash = FlowHash.fromSeed(a[3]);
        int ringSize = Integer.parseInt(a[4]);
        TunnelKind kind = TunnelKind.fromId(a[5]);
        String source = a[6];
        int ttl = Integer.parseInt(a[7]);
        boolean keyed = !a[8].equals("-");
        int greKey = keyed ? (int) Long.parseLong(a[8]) : 0;
        byte[] smac = HexFormat.ofDelimiter(":").parseHex(a[11]);
        String[] backends = a[12].split(",");

        int l2 = (in[12] & 0xff) == 0x81 ? 18 : 14;
        int version = (in[l2] & 0xff) >>> 4;
        ByteBuffer ib = ByteBuffer.wrap(in);
        int innerLength;
        FlowKey key = new FlowKey();
        if (version == 4) {
            innerLength = ib.getShort(l2 + 2) & 0xffff;
            int l4 = l2 + 20;
            key.setIpv4(ib.getInt(l2 + 12), ib.getInt(l2 + 16), in[l2 + 9] & 0xff, ib.getShort(l4) & 0xffff,
                    ib.getShort(l4 + 2) & 0xffff, false);
        } else {
            innerLength = 40 + (ib.getShort(l2 + 4) & 0xffff);
            int l4 = l2 + 40;
            key.setIpv6(ib.getLong(l2 + 8), ib.getLong(l2 + 16), ib.getLong(l2 + 24), ib.getLong(l2 + 32),
                    in[l2 + 6] & 0xff, ib.getShort(l4) & 0xffff, ib.getShort(l4 + 2) & 0xffff, false);
        }
        long hash = flowHash.hash(key);
        int slot = slotOf(hash, ringSize);
        String backend = backends[slot % backends.length];
        byte[] dmac;
        if (a[10].equals("auto")) {
            byte[] b = address16(backend);
            dmac = new byte[] {2, 0, b[12], b[13], b[14], b[15]};
        } else {
            dmac = HexFormat.ofDelimiter(":").parseHex(a[10]);
        }
        TunnelSpec spec;
        if (kind.outerFamily() == 4) {
            spec = TunnelSpec.ipv4Outer(kind, ByteBuffer.wrap(InetAddress.getByName(source).getAddress()).getInt(),
                    ByteBuffer.wrap(InetAddress.getByName(backend).getAddress()).getInt(), ttl, keyed, greKey, false);
        } else {
            byte[] s = InetAddress.getByName(source).getAddress();
            byte[] d = InetAddress.getByName(backend).getAddress();
            spec = TunnelSpec.ipv6Outer(kind, half(s, 0), half(s, 8), half(d, 0), half(d, 8), ttl, keyed, greKey,
                    false);
        }
        // the outer IPv4 identification is the one field XDP chooses differently (per-CPU counter): take XDP's
        int ipId = spec.outerFamily() == 4 && out.length >= 20 ? ByteBuffer.wrap(out).getShort(14 + 4) & 0xffff : 0;
        MemorySegment seg = Arena.ofAuto().allocate(128 + innerLength);
        MemorySegment.copy(MemorySegment.ofArray(in), l2, seg, 128, innerLength);
        long outer = new TunnelEncapsulator().encapsulate(seg, 128, innerLength, version, spec, ipId,
                TunnelEncapsulator.flowLabel(hash));
        byte[] outerBytes = seg.asSlice(outer).toArray(ValueLayout.JAVA_BYTE);
        ByteBuffer expected = ByteBuffer.allocate(14 + outerBytes.length);
        expected.put(dmac).put(smac).putShort((short) (spec.outerFamily() == 4 ? 0x0800 : 0x86dd)).put(outerBytes);
        byte[] want = expected.array();
        String what = String.format("hash=%016x slot=%d backend=%s %s", hash, slot, backend, spec);
        if (java.util.Arrays.equals(want, out)) {
            System.out.println("ok " + what + " (" + out.length + " bytes identical)");
            return true;
        }
        System.out.println("FAIL " + what);
        System.out.println("  java: " + HEX.formatHex(want));
        System.out.println("  xdp:  " + HEX.formatHex(out));
        return false;
    }
}
