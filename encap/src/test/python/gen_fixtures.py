#!/usr/bin/env python3
"""Generates encap/src/test/resources/fixtures/*.txt, the shared golden-packet tables.

An implementation of the wire formats that is independent of the Java code under test (plain struct
packing and an RFC 1071 checksum written here), so the expected bytes are not "whatever the Java code
wrote". Run from the repository root:  python3 encap/src/test/python/gen_fixtures.py
The Java tests (FixtureTablesTest) run the encap part of every table; TsharkTunnelTest decodes what the
Java code writes with Wireshark as a third opinion.
"""
import hashlib
import ipaddress
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), '..', 'resources', 'fixtures')

CLIENT4, VIP4, GW4, BE4 = '10.0.1.2', '10.100.0.1', '10.0.2.2', '10.0.3.10'
CLIENT6, VIP6, GW6, BE6 = 'fd00:1::2', 'fd00:100::1', 'fd00:2::2', 'fd00:3::11'


def a4(s):
    return ipaddress.IPv4Address(s).packed


def a6(s):
    return ipaddress.IPv6Address(s).packed


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, tos=0, ident=0x1c46, df=True, mf=False, frag_off=0, ttl=64, options=b'',
         total=None):
    ihl = 5 + len(options) // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off >> 3)
    length = total if total is not None else ihl * 4 + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, length, ident, flags, ttl, proto, 0, a4(src), a4(dst)) + options
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def pseudo4(src, dst, proto, length):
    return a4(src) + a4(dst) + struct.pack('!BBH', 0, proto, length)


def pseudo6(src, dst, nh, length):
    return a6(src) + a6(dst) + struct.pack('!I3xB', length, nh)


def tcp(sport, dport, flags=0x02, data=b'', pseudo=None):
    h = struct.pack('!HHIIBBHHH', sport, dport, 0x12345678, 1 if flags & 0x10 else 0, 5 << 4, flags, 64240, 0, 0)
    seg = h + data
    c = csum(pseudo(len(seg)) + seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp(sport, dport, data=b'', pseudo=None):
    seg = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    c = csum(pseudo(len(seg)) + seg) or 0xffff
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def icmp4(typ, code, rest, data=b''):
    m = struct.pack('!BBH', typ, code, 0) + rest + data
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]


def icmp6(src, dst, typ, code, rest, data=b''):
    m = struct.pack('!BBH', typ, code, 0) + rest + data
    c = csum(pseudo6(src, dst, 58, len(m)) + m)
    return m[:2] + struct.pack('!H', c) + m[4:]


def ipv6(src, dst, nh, payload, tc=0, flow=0, hlim=64, plen=None):
    length = len(payload) if plen is None else plen
    return struct.pack('!IHBB16s16s', (6 << 28) | (tc << 20) | flow, length, nh, hlim, a6(src), a6(dst)) + payload


def ext(nh, body):
    """An extension header (hop-by-hop, routing, destination options) with body padded to 8n - 2 bytes."""
    assert (len(body) + 2) % 8 == 0, len(body)
    return struct.pack('!BB', nh, (len(body) + 2) // 8 - 1) + body


def frag6(nh, offset, more, ident):
    return struct.pack('!BBHI', nh, 0, offset | (1 if more else 0), ident)


def pattern(n):
    return bytes(i & 0xff for i in range(n))


def tcp4(src=CLIENT4, dst=VIP4, sport=40000, dport=80, flags=0x02, data=b'', **kw):
    return ipv4(src, dst, 6, tcp(sport, dport, flags, data, lambda n: pseudo4(src, dst, 6, n)), **kw)


def udp4(src=CLIENT4, dst=VIP4, sport=40000, dport=53, data=b'', **kw):
    return ipv4(src, dst, 17, udp(sport, dport, data, lambda n: pseudo4(src, dst, 17, n)), **kw)


def tcp6(src=CLIENT6, dst=VIP6, sport=40000, dport=80, flags=0x02, data=b'', **kw):
    return ipv6(src, dst, 6, tcp(sport, dport, flags, data, lambda n: pseudo6(src, dst, 6, n)), **kw)


def udp6(src=CLIENT6, dst=VIP6, sport=40000, dport=53, data=b'', **kw):
    return ipv6(src, dst, 17, udp(sport, dport, data, lambda n: pseudo6(src, dst, 17, n)), **kw)


def gre(proto, payload, key=None, checksum=False, seq=None):
    flags = (0x8000 if checksum else 0) | (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    h = struct.pack('!HH', flags, proto)
    if checksum:
        h += b'\0\0\0\0'
    if key is not None:
        h += struct.pack('!I', key)
    if seq is not None:
        h += struct.pack('!I', seq)
    if checksum:
        c = csum(h + payload)
        h = h[:4] + struct.pack('!H', c) + h[6:]
    return h + payload


M64 = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(k0, k1, msg):
    """SipHash-2-4 (Aumasson/Bernstein 2012, reference siphash.c) with the key halves as 64-bit integers."""
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & M64; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & M64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
            v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
            v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    end = len(msg) // 8 * 8
    for i in range(0, end, 8):
        m = struct.unpack('<Q', msg[i:i + 8])[0]
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    last = msg[end:].ljust(7, b'\0') + bytes([len(msg) & 0xff])
    m = struct.unpack('<Q', last)[0]
    v[3] ^= m
    rounds(2)
    v[0] ^= m
    v[2] ^= 0xff
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


SEED = 'fixture-seed'   # the seed of the gateway's fixture tests (FixtureTablesPipelineTest.SEED)


def flow_hash(packet, seed=SEED):
    """FlowHash.hash of an unfragmented TCP/UDP packet without extension headers: SipHash-2-4 of the canonical
    40-byte tuple (FlowHash javadoc) under k0, k1 = SHA-256(seed) bytes 0..7 / 8..15 read big-endian."""
    digest = hashlib.sha256(seed.encode()).digest()
    k0, k1 = struct.unpack('>QQ', digest[:16])
    if version(packet) == 4:
        ihl = (packet[0] & 0xf) * 4
        src, dst, proto, l4 = bytes(12) + packet[12:16], bytes(12) + packet[16:20], packet[9], packet[ihl:]
    else:
        src, dst, proto, l4 = packet[8:24], packet[24:40], packet[6], packet[40:]
    return siphash24(k0, k1, src + dst + bytes([version(packet), proto]) + l4[:4] + b'\0\0')


def version(p):
    return p[0] >> 4


def tos_of(inner):
    return inner[1] if version(inner) == 4 else ((struct.unpack('!I', inner[:4])[0] >> 20) & 0xff)


def df_of(inner):
    return bool(struct.unpack('!H', inner[6:8])[0] & 0x4000) if version(inner) == 4 else True


def encap(kind, inner, ttl=64, ip_id=0x1234, flow=0x12345, key=None, checksum=False, sport=0, dport=6080):
    """The expected outer packet, from the RFCs (see TunnelEncapsulator's javadoc)."""
    v = version(inner)
    tos = tos_of(inner)
    if kind == 'gue':
        # GUE variant 1 (draft-ietf-intarea-gue section 5): UDP, then the inner packet; checksum 0 under IPv4
        udp_payload = struct.pack('!HHHH', sport, dport, 8 + len(inner), 0) + inner
        return ipv4(GW4, BE4, 17, udp_payload, tos=tos, ident=ip_id, df=df_of(inner), ttl=ttl)
    if kind == 'gue6':
        # under IPv6 the UDP checksum is mandatory (RFC 8200 section 8.1); 0 is sent as 0xffff
        udp_payload = udp(sport, dport, inner, lambda n: pseudo6(GW6, BE6, 17, n))
        return ipv6(GW6, BE6, 17, udp_payload, tc=tos, flow=(flow & 0xfffff) or 1, hlim=ttl)
    if kind in ('gre', 'ip6gre'):
        payload = gre(0x0800 if v == 4 else 0x86dd, inner, key, checksum)
        proto = 47
    else:
        payload = inner
        proto = 4 if v == 4 else 41
    if kind in ('ipip', 'sit', 'gre'):
        return ipv4(GW4, BE4, proto, payload, tos=tos, ident=ip_id, df=df_of(inner), ttl=ttl)
    return ipv6(GW6, BE6, proto, payload, tc=tos, flow=(flow & 0xfffff) or 1, hlim=ttl)


class Table:
    def __init__(self, name, title, columns_note):
        self.name = name
        self.lines = ['# ' + title, '# Format: encap/src/test/resources/fixtures/README.md. ' + columns_note,
                      '# Generated by encap/src/test/python/gen_fixtures.py: edit that, not this file.', '']

    def case(self, description, config, inp, verdict, outputs=(), **fields):
        self.lines.append('case: ' + description)
        self.lines.append('config: ' + ' '.join('%s=%s' % kv for kv in config.items()))
        for k, val in fields.items():
            self.lines.append('%s: %s' % (k.replace('_', '-'), val))
        self.lines.append('input: ' + hexlines(inp))
        self.lines.append('verdict: ' + verdict)
        for o in outputs:
            self.lines.append('output: ' + hexlines(o))
        self.lines.append('')

    def write(self):
        with open(os.path.join(OUT, self.name + '.txt'), 'w') as f:
            f.write('\n'.join(self.lines))


def hexlines(b):
    h = b.hex()
    chunks = [h[i:i + 96] for i in range(0, len(h), 96)] or ['']
    return '\n  '.join(chunks)


def tunnel_kinds():
    t = Table('tunnel-kinds', 'Every tunnel kind: encapsulate (outer headers written) and decapsulate (agent).',
              'ops: encapsulate, decapsulate-ipv4, decapsulate-ipv6.')
    inner4 = tcp4(tos=0xb9, data=pattern(12))                  # DSCP 46, ECT(1), DF
    inner4_nodf = udp4(tos=0x03, df=False, data=pattern(33))   # ECN CE, DF clear
    inner6 = tcp6(tc=0xb9, flow=0xabcde, data=pattern(12))
    inner6_ce = udp6(tc=0x03, data=pattern(33))
    cases = [
        ('ipip 4in4, DSCP EF + ECT(1) copied, DF copied', 'ipip', inner4, {}),
        ('ipip 4in4, ECN CE copied, DF clear stays clear', 'ipip', inner4_nodf, {}),
        ('sit 6in4, traffic class copied, DF set for IPv6', 'sit', inner6, {}),
        ('sit 6in4, ECN CE copied', 'sit', inner6_ce, {}),
        ('gre 4in4 plain', 'gre', inner4, {}),
        ('gre 6in4 plain', 'gre', inner6, {}),
        ('gre 4in4 key 42', 'gre', inner4, {'key': 42}),
        ('gre 4in4 key 4294967295 + checksum', 'gre', inner4, {'key': 0xffffffff, 'checksum': True}),
        ('gre 6in4 checksum only, odd inner length', 'gre', inner6_ce, {'checksum': True}),
        ('ip6tnl 4in6, flow label from the flow hash', 'ip6tnl', inner4, {}),
        ('ip6tnl 4in6, DF clear inner', 'ip6tnl', inner4_nodf, {}),
        ('ip6tnl 6in6', 'ip6tnl', inner6, {}),
        ('ip6tnl 6in6, flow label 0 is sent as 1', 'ip6tnl', inner6_ce, {'flow': 0x100000}),
        ('ip6gre 4in6', 'ip6gre', inner4, {}),
        ('ip6gre 6in6', 'ip6gre', inner6, {}),
        ('ip6gre 6in6 key 42', 'ip6gre', inner6, {'key': 42}),
        ('ip6gre 4in6 key 7 + checksum', 'ip6gre', inner4_nodf, {'key': 7, 'checksum': True}),
    ]
    decaps = []
    for desc, kind, inner, opts in cases:
        flow = opts.get('flow', 0x12345)
        outer = encap(kind, inner, flow=flow, key=opts.get('key'), checksum=opts.get('checksum', False))
        v4outer = kind in ('ipip', 'sit', 'gre')
        cfg = {'op': 'encapsulate', 'kind': kind, 'outer-src': GW4 if v4outer else GW6,
               'outer-dst': BE4 if v4outer else BE6, 'ttl': 64, 'ip-id': '0x1234', 'flow-label': hex(flow),
               'gre-key': opts.get('key', 'none'), 'gre-checksum': str(opts.get('checksum', False)).lower()}
        t.case(desc, cfg, inner, 'ok', [outer])
        decaps.append((desc, kind, inner, outer, opts))
    gue_decaps = gue_cases(t, inner4, inner6, inner4_nodf, inner6_ce)
    t.case('ipip refuses an IPv6 inner packet', {'op': 'encapsulate', 'kind': 'ipip', 'outer-src': GW4,
                                                  'outer-dst': BE4, 'ttl': 64, 'ip-id': 1,
                                                  'flow-label': 1, 'gre-key': 'none', 'gre-checksum': 'false'},
           inner6, 'refused')
    t.case('sit refuses an IPv4 inner packet', {'op': 'encapsulate', 'kind': 'sit', 'outer-src': GW4,
                                                 'outer-dst': BE4, 'ttl': 64, 'ip-id': 1,
                                                 'flow-label': 1, 'gre-key': 'none', 'gre-checksum': 'false'},
           inner4, 'refused')
    for desc, kind, inner, outer, opts in decaps:
        key = opts.get('key')
        fields = {'expect_kind': kind, 'expect_gre_key': key if key is not None else 'none'}
        if kind in ('ipip', 'sit', 'gre'):
            t.case('decapsulate: ' + desc, {'op': 'decapsulate-ipv4'}, outer, 'OK', [inner], **fields)
        else:
            t.case('decapsulate: ' + desc, {'op': 'decapsulate-ipv6', 'next-header': outer[6], 'source': GW6},
                   outer[40:], 'OK', [inner], **fields)
    for desc, kind, inner, outer in gue_decaps:
        fields = {'expect_kind': kind, 'expect_gre_key': 'none', 'expect_udp_dst': struct.unpack('!H', outer[
            (20 if kind == 'gue' else 40) + 2:][:2])[0]}
        if kind == 'gue':
            t.case('decapsulate: ' + desc, {'op': 'decapsulate-ipv4'}, outer, 'OK', [inner], **fields)
        else:
            t.case('decapsulate: ' + desc, {'op': 'decapsulate-ipv6', 'next-header': 17, 'source': GW6,
                                            'destination': BE6}, outer[40:], 'OK', [inner], **fields)
    gue_bad_cases(t, inner4, inner6)
    bad = [
        ('GRE version 1 (PPTP)', gre_raw(0x0001, 0x0800, inner4), 'BAD_GRE'),
        ('GRE routing bit R', gre_raw(0x4000, 0x0800, inner4), 'BAD_GRE'),
        ('GRE strict source route bit s', gre_raw(0x0800, 0x0800, inner4), 'BAD_GRE'),
        ('GRE recursion bit 5', gre_raw(0x0400, 0x0800, inner4), 'BAD_GRE'),
        ('GRE protocol type 0x6558 (Ethernet)', gre_raw(0, 0x6558, inner4), 'UNSUPPORTED_PROTOCOL'),
        ('GRE key flag without key bytes', gre_raw(0x2000, 0x0800, b''), 'TRUNCATED'),
        ('GRE checksum wrong', bad_gre_checksum(inner4), 'BAD_CHECKSUM'),
        ('GRE protocol type IPv4 but inner IPv6', gre_raw(0, 0x0800, inner6), 'BAD_VERSION'),
    ]
    for desc, payload, verdict in bad:
        t.case('decapsulate: ' + desc, {'op': 'decapsulate-ipv4'}, ipv4(GW4, BE4, 47, payload, ident=1), verdict)
        t.case('decapsulate over IPv6: ' + desc, {'op': 'decapsulate-ipv6', 'next-header': 47, 'source': GW6},
               payload, verdict)
    seq = ipv4(GW4, BE4, 47, gre(0x0800, inner4, key=5, seq=99), ident=1)
    t.case('decapsulate: GRE sequence number tolerated and skipped', {'op': 'decapsulate-ipv4'}, seq, 'OK', [inner4],
           expect_kind='gre', expect_gre_key=5)
    frag = ipv4(GW4, BE4, 4, inner4, ident=1, df=False, mf=True)
    frag = frag[:20] + frag[20:20 + (len(frag) - 20) // 8 * 8]
    frag = ipv4(GW4, BE4, 4, frag[20:], ident=1, df=False, mf=True)
    t.case('decapsulate: outer fragment', {'op': 'decapsulate-ipv4'}, frag, 'BAD_OUTER_HEADER')
    badsum = bytearray(ipv4(GW4, BE4, 4, inner4, ident=1))
    badsum[11] ^= 1
    t.case('decapsulate: outer header checksum wrong', {'op': 'decapsulate-ipv4'}, bytes(badsum), 'BAD_CHECKSUM')
    t.case('decapsulate: outer protocol 132 (SCTP)', {'op': 'decapsulate-ipv4'}, ipv4(GW4, BE4, 132, inner4, ident=1),
           'UNSUPPORTED_PROTOCOL')
    t.case('decapsulate: ipip with an IPv6 inner packet', {'op': 'decapsulate-ipv4'},
           ipv4(GW4, BE4, 4, inner6, ident=1), 'BAD_VERSION')
    t.case('decapsulate: sit with inner length shorter than carried', {'op': 'decapsulate-ipv4'},
           ipv4(GW4, BE4, 41, inner6 + b'\0\0\0\0', ident=1), 'BAD_TOTAL_LENGTH')
    t.case('decapsulate over IPv6: next header 132 (SCTP)', {'op': 'decapsulate-ipv6', 'next-header': 132,
                                                              'source': GW6},
           inner4, 'UNSUPPORTED_PROTOCOL')
    t.case('decapsulate over IPv6: ip6tnl inner jumbogram (payload length 0)',
           {'op': 'decapsulate-ipv6', 'next-header': 41, 'source': GW6},
           ipv6(CLIENT6, VIP6, 6, pattern(20), plen=0), 'BAD_TOTAL_LENGTH')
    t.write()


GUE_PORT, GUE_SPORTS = 6080, (49152, 65535)


def gue_cases(t, inner4, inner6, inner4_nodf, inner6_ce):
    """GUE encapsulation: the source port is range start + (flow hash mod range size), the flow hash computed here
    with an independent SipHash over the inner flow under the fixture seed (config flow-hash; the Java side
    checks its own FlowHash gives the same number, and the gateway tests run with that seed)."""
    other4 = tcp4(sport=40001, tos=0xb9, data=pattern(12))     # a second flow: another source port
    other6 = tcp6(sport=40001, tc=0xb9, flow=0xabcde, data=pattern(12))
    cases = [
        ('gue 4in4, UDP checksum 0, DSCP + DF copied', 'gue', inner4, GUE_PORT, GUE_SPORTS),
        ('gue 4in4, a second flow: another source port', 'gue', other4, GUE_PORT, GUE_SPORTS),
        ('gue 4in4, DF clear stays clear', 'gue', inner4_nodf, GUE_PORT, GUE_SPORTS),
        ('gue 6in4', 'gue', inner6, GUE_PORT, GUE_SPORTS),
        ('gue 4in4, port 5555, source ports 1000-1009', 'gue', inner4, 5555, (1000, 1009)),
        ('gue6 4in6, UDP checksum computed', 'gue6', inner4, GUE_PORT, GUE_SPORTS),
        ('gue6 6in6', 'gue6', inner6, GUE_PORT, GUE_SPORTS),
        ('gue6 6in6, a second flow: another source port', 'gue6', other6, GUE_PORT, GUE_SPORTS),
        ('gue6 6in6, odd inner length', 'gue6', inner6_ce, GUE_PORT, GUE_SPORTS),
        ('gue6 4in6, a single source port 7777', 'gue6', inner4, GUE_PORT, (7777, 7777)),
    ]
    out = []
    sports = {}
    for desc, kind, inner, port, (lo, hi) in cases:
        h = flow_hash(inner)
        sport = lo + h % (hi - lo + 1)
        sports.setdefault((kind, port, lo, hi), set()).add(sport)
        outer = encap(kind, inner, sport=sport, dport=port)
        v4outer = kind == 'gue'
        cfg = {'op': 'encapsulate', 'kind': kind, 'outer-src': GW4 if v4outer else GW6,
               'outer-dst': BE4 if v4outer else BE6, 'ttl': 64, 'ip-id': '0x1234', 'flow-label': '0x12345',
               'gre-key': 'none', 'gre-checksum': 'false', 'gue-port': port, 'gue-source-ports': '%d-%d' % (lo, hi),
               'seed': SEED, 'flow-hash': '0x%016x' % h, 'udp-src': sport}
        t.case(desc, cfg, inner, 'ok', [outer])
        out.append((desc, kind, inner, outer))
    for key, ports in sports.items():
        if key[2] != key[3] and key[:2] in (('gue', GUE_PORT), ('gue6', GUE_PORT)):
            assert len(ports) > 1, ('two flows should get different source ports', key, ports)
    return out


def gue_bad_cases(t, inner4, inner6):
    def gue4(payload, sport=50000, length=None, checksum=0):
        return ipv4(GW4, BE4, 17, struct.pack('!HHHH', sport, GUE_PORT, length if length is not None else
                                              8 + len(payload), checksum) + payload, ident=1)
    variant0 = struct.pack('!BBH', 0x00, 4, 0) + inner4         # GUE variant 0 header, proto 4: not accepted
    t.case('decapsulate: GUE variant 0 header (not variant 1)', {'op': 'decapsulate-ipv4'}, gue4(variant0),
           'UNSUPPORTED_PROTOCOL')
    t.case('decapsulate: GUE UDP length longer than carried', {'op': 'decapsulate-ipv4'},
           gue4(inner4, length=8 + len(inner4) + 4), 'BAD_TRANSPORT_HEADER')
    t.case('decapsulate: GUE UDP length shorter than carried', {'op': 'decapsulate-ipv4'},
           gue4(inner4, length=8 + len(inner4) - 4), 'BAD_TRANSPORT_HEADER')
    t.case('decapsulate: GUE over IPv4, only 6 bytes of UDP header', {'op': 'decapsulate-ipv4'},
           ipv4(GW4, BE4, 17, struct.pack('!HHH', 50000, GUE_PORT, 14), ident=1), 'TRUNCATED')
    good = udp(50000, GUE_PORT, inner4, lambda n: pseudo4(GW4, BE4, 17, n))
    t.case('decapsulate: GUE over IPv4 with a valid non-zero UDP checksum', {'op': 'decapsulate-ipv4'},
           ipv4(GW4, BE4, 17, good, ident=1), 'OK', [inner4], expect_kind='gue', expect_gre_key='none',
           expect_udp_dst=GUE_PORT)
    badsum = bytearray(good)
    badsum[6] ^= 0x01
    t.case('decapsulate: GUE over IPv4 with a wrong UDP checksum', {'op': 'decapsulate-ipv4'},
           ipv4(GW4, BE4, 17, bytes(badsum), ident=1), 'BAD_CHECKSUM')
    t.case('decapsulate: GUE inner length shorter than carried', {'op': 'decapsulate-ipv4'},
           gue4(inner4 + b'\0\0\0\0'), 'BAD_TOTAL_LENGTH')
    six = udp(50000, GUE_PORT, inner6, lambda n: pseudo6(GW6, BE6, 17, n))
    zero = six[:6] + b'\0\0' + six[8:]
    t.case('decapsulate over IPv6: GUE6 with UDP checksum 0 (RFC 8200)',
           {'op': 'decapsulate-ipv6', 'next-header': 17, 'source': GW6, 'destination': BE6}, zero, 'BAD_CHECKSUM')
    wrong = bytearray(six)
    wrong[7] ^= 0x01
    t.case('decapsulate over IPv6: GUE6 with a wrong UDP checksum',
           {'op': 'decapsulate-ipv6', 'next-header': 17, 'source': GW6, 'destination': BE6}, bytes(wrong),
           'BAD_CHECKSUM')
    t.case('decapsulate over IPv6: GUE6 variant 0 header',
           {'op': 'decapsulate-ipv6', 'next-header': 17, 'source': GW6, 'destination': BE6},
           udp(50000, GUE_PORT, struct.pack('!BBH', 0, 41, 0) + inner6, lambda n: pseudo6(GW6, BE6, 17, n)),
           'UNSUPPORTED_PROTOCOL')


def gre_raw(flags, proto, payload):
    return struct.pack('!HH', flags, proto) + payload


def bad_gre_checksum(inner):
    g = bytearray(gre(0x0800, inner, checksum=True))
    g[4] ^= 0x10
    return bytes(g)


def ipv6_extension_headers():
    t = Table('ipv6-extension-headers', 'IPv6 extension header walk (Ipv6Flyweight.wrap) and the flow key.',
              'op parse-ipv6: expect-* fields; key: the FlowKey.toString() of the flow key, or none.')
    tcp_payload = tcp(40000, 80, 0x02, b'', lambda n: pseudo6(CLIENT6, VIP6, 6, n))
    udp_payload = udp(40000, 53, pattern(10), lambda n: pseudo6(CLIENT6, VIP6, 17, n))
    hbh = ext(60, bytes([1, 4, 0, 0, 0, 0]))                     # PadN(4) -> destination options
    dst = ext(43, bytes([0x1e, 2, 0, 0, 1, 0]) + bytes(8))       # unknown skippable option + PadN -> routing
    rt = ext(6, bytes([4, 0]) + bytes(4))                         # routing type 4, segments left 0 -> TCP
    key_tcp = 'tcp [fd00:1::2]:40000 -> [fd00:100::1]:80'
    rows = [
        ('plain TCP', ipv6(CLIENT6, VIP6, 6, tcp_payload), 'OK', 6, 40, True, False, key_tcp),
        ('hop-by-hop, destination options, routing, TCP', ipv6(CLIENT6, VIP6, 0, hbh + dst + rt + tcp_payload),
         'OK', 6, 40 + 8 + 16 + 8, True, False, key_tcp),
        ('atomic fragment (offset 0, M 0) is walked through', ipv6(CLIENT6, VIP6, 44, frag6(17, 0, False, 7) +
                                                                    udp_payload),
         'OK', 17, 48, True, False, 'udp [fd00:1::2]:40000 -> [fd00:100::1]:53'),
        ('first fragment: 3-tuple with the fragment header next header',
         ipv6(CLIENT6, VIP6, 44, frag6(6, 0, True, 0x1234) + tcp_payload[:16]), 'OK', 6, 48, True, True,
         'tcp [fd00:1::2]:0 -> [fd00:100::1]:0 fragment'),
        ('later fragment behind hop-by-hop', ipv6(CLIENT6, VIP6, 0, ext(44, bytes(6)) +
                                                  frag6(6, 1448, False, 0x1234) + pattern(20)),
         'OK', 6, 56, True, True, 'tcp [fd00:1::2]:0 -> [fd00:100::1]:0 fragment'),
        ('no next header (59)', ipv6(CLIENT6, VIP6, 59, b''.ljust(8, b'\0'))[:40] + bytes(8), 'OK', 59, 40, True,
         False, 'ipv6-nonxt [fd00:1::2]:0 -> [fd00:100::1]:0'),
        ('ESP ends the walk', ipv6(CLIENT6, VIP6, 50, bytes(16)), 'OK', 50, 40, False, False, 'none'),
        ('AH behind destination options ends the walk', ipv6(CLIENT6, VIP6, 60, ext(51, bytes(6)) + bytes(16)),
         'OK', 51, 48, False, False, 'none'),
        ('experimental 253 ends the walk', ipv6(CLIENT6, VIP6, 253, bytes(16)), 'OK', 253, 40, False, False, 'none'),
        ('SCTP (132) is an upper layer', ipv6(CLIENT6, VIP6, 132, bytes(16)), 'OK', 132, 40, True, False,
         '132 [fd00:1::2]:0 -> [fd00:100::1]:0'),
        ('hop-by-hop not first', ipv6(CLIENT6, VIP6, 60, ext(0, bytes(6)) + ext(6, bytes(6)) + tcp_payload),
         'BAD_EXTENSION_HEADER', 0, 0, False, False, 'none'),
        ('extension header longer than the packet', ipv6(CLIENT6, VIP6, 60, struct.pack('!BB', 6, 3) + bytes(14)),
         'BAD_EXTENSION_HEADER', 0, 0, False, False, 'none'),
        ('extension header cut after 4 bytes', ipv6(CLIENT6, VIP6, 43, bytes(4)), 'BAD_EXTENSION_HEADER', 0, 0,
         False, False, 'none'),
        ('option TLV overruns its header', ipv6(CLIENT6, VIP6, 0, ext(6, bytes([1, 5, 0, 0, 0, 0])) + tcp_payload),
         'BAD_EXTENSION_HEADER', 0, 0, False, False, 'none'),
        ('two fragment headers', ipv6(CLIENT6, VIP6, 44, frag6(44, 0, False, 1) + frag6(6, 8, False, 1) +
                                      bytes(8)), 'BAD_EXTENSION_HEADER', 0, 0, False, False, 'none'),
        ('jumbogram (payload length 0)', ipv6(CLIENT6, VIP6, 6, tcp_payload, plen=0), 'BAD_TOTAL_LENGTH', 0, 0,
         False, False, 'none'),
        ('payload length beyond the captured bytes', ipv6(CLIENT6, VIP6, 6, tcp_payload, plen=21),
         'BAD_TOTAL_LENGTH', 0, 0, False, False, 'none'),
        ('version 4 nibble', b'\x45' + ipv6(CLIENT6, VIP6, 6, tcp_payload)[1:], 'BAD_VERSION', 0, 0, False, False,
         'none'),
        ('39 bytes', ipv6(CLIENT6, VIP6, 6, tcp_payload)[:39], 'TRUNCATED', 0, 0, False, False, 'none'),
        ('fragment with M and 12 data bytes', ipv6(CLIENT6, VIP6, 44, frag6(6, 0, True, 1) + bytes(12)),
         'BAD_FRAGMENT', 0, 0, False, False, 'none'),
        ('fragment beyond 65535', ipv6(CLIENT6, VIP6, 44, frag6(6, 65528, False, 1) + bytes(16)), 'BAD_FRAGMENT',
         0, 0, False, False, 'none'),
        ('empty fragment', ipv6(CLIENT6, VIP6, 44, frag6(6, 8, False, 1)), 'BAD_FRAGMENT', 0, 0, False, False,
         'none'),
        ('UDP length field above the payload', ipv6(CLIENT6, VIP6, 17, struct.pack('!HHHH', 1, 53, 99, 0) + bytes(4)),
         'OK', 17, 40, True, False, 'BAD_TRANSPORT_HEADER'),
    ]
    for desc, packet, verdict, upper, upper_offset, complete, fragment, key in rows:
        fields = {}
        if verdict == 'OK':
            fields = {'expect_upper': upper, 'expect_upper_offset': upper_offset,
                      'expect_walk_complete': str(complete).lower(), 'expect_fragment': str(fragment).lower()}
        t.case(desc, {'op': 'parse-ipv6'}, packet, verdict, key=key, **fields)
    t.write()


def icmp_too_big():
    t = Table('icmp-too-big', 'ICMP fragmentation needed (IPv4) and packet too big (IPv6) from the VIP.',
              'ops: frag-needed, packet-too-big (config mtu, ttl).')
    small = tcp4(data=pattern(12))
    big = tcp4(data=pattern(1460), ident=0x4242)
    opts = ipv4(CLIENT4, VIP4, 6, tcp(40000, 80, 0x18, pattern(100), lambda n: pseudo4(CLIENT4, VIP4, 6, n)),
                options=bytes([0x01, 0x01, 0x01, 0x00]))
    for desc, orig, mtu in [('small packet quoted whole', small, 1476), ('1500-byte packet quoted to 576', big, 1476),
                            ('packet with options', opts, 1456)]:
        quote = orig[:min(len(orig), 576 - 28)]
        out = ipv4(VIP4, CLIENT4, 1, icmp4(3, 4, struct.pack('!HH', 0, mtu), quote), tos=0xc0, ident=0, df=False,
                   ttl=64)
        t.case(desc, {'op': 'frag-needed', 'mtu': mtu, 'ttl': 64}, orig, 'ok', [out])
    err = ipv4(CLIENT4, VIP4, 1, icmp4(3, 1, bytes(4), small[:28]))
    t.case('never about an ICMP error', {'op': 'frag-needed', 'mtu': 1476, 'ttl': 64}, err, 'refused')
    later = tcp4(data=pattern(12), df=False, frag_off=1480)
    t.case('never about a non-initial fragment', {'op': 'frag-needed', 'mtu': 1476, 'ttl': 64}, later, 'refused')
    for src in ('0.0.0.0', '127.0.0.1', '224.0.0.1', '255.255.255.255'):
        t.case('never to source ' + src, {'op': 'frag-needed', 'mtu': 1476, 'ttl': 64}, tcp4(src=src, data=pattern(12)),
               'refused')
    small6 = tcp6(data=pattern(12))
    big6 = tcp6(data=pattern(1440), flow=0x12345)
    hbh6 = ipv6(CLIENT6, VIP6, 0, ext(6, bytes([1, 4, 0, 0, 0, 0])) +
                tcp(40000, 80, 0x18, pattern(1400), lambda n: pseudo6(CLIENT6, VIP6, 6, n)))
    for desc, orig, mtu in [('small packet quoted whole', small6, 1456), ('1500-byte packet quoted to 1280', big6, 1456),
                            ('with hop-by-hop header', hbh6, 1444)]:
        quote = orig[:min(len(orig), 1280 - 48)]
        out = ipv6(VIP6, CLIENT6, 58, icmp6(VIP6, CLIENT6, 2, 0, struct.pack('!I', mtu), quote), hlim=64)
        t.case('IPv6 ' + desc, {'op': 'packet-too-big', 'mtu': mtu, 'ttl': 64}, orig, 'ok', [out])
    err6 = ipv6(CLIENT6, VIP6, 58, icmp6(CLIENT6, VIP6, 1, 4, bytes(4), small6))
    t.case('IPv6 never about an ICMPv6 error', {'op': 'packet-too-big', 'mtu': 1456, 'ttl': 64}, err6, 'refused')
    for src in ('::', '::1', 'ff02::1'):
        t.case('IPv6 never to source ' + src, {'op': 'packet-too-big', 'mtu': 1456, 'ttl': 64},
               tcp6(src=src, data=pattern(12)), 'refused')
    info6 = ipv6(CLIENT6, VIP6, 58, icmp6(CLIENT6, VIP6, 128, 0, bytes(4), pattern(1400)))
    quote6 = info6[:1280 - 48]
    t.case('IPv6 about an echo request (an informational message)', {'op': 'packet-too-big', 'mtu': 1280, 'ttl': 64},
           info6, 'ok', [ipv6(VIP6, CLIENT6, 58, icmp6(VIP6, CLIENT6, 2, 0, struct.pack('!I', 1280), quote6))])
    t.write()


def echo():
    t = Table('echo', 'Echo requests to a VIP answered in place (IcmpBuilder.echoReply*InPlace).',
              'ops: echo-reply (config ttl).')
    data = pattern(56)
    req = ipv4(CLIENT4, VIP4, 1, icmp4(8, 0, struct.pack('!HH', 0x1234, 1), data), ident=0x5555, ttl=63)
    rep = ipv4(VIP4, CLIENT4, 1, icmp4(0, 0, struct.pack('!HH', 0x1234, 1), data), ident=0x5555, ttl=64)
    t.case('IPv4 echo request', {'op': 'echo-reply', 'ttl': 64}, req, 'ok', [rep])
    req_opt = ipv4(CLIENT4, VIP4, 1, icmp4(8, 0, struct.pack('!HH', 7, 2), data[:8]), ident=9, ttl=10,
                   options=bytes([7, 7, 4, 0, 0, 0, 0, 0]))
    rep_opt = ipv4(VIP4, CLIENT4, 1, icmp4(0, 0, struct.pack('!HH', 7, 2), data[:8]), ident=9, ttl=64)
    t.case('IPv4 echo request with record-route option: options removed', {'op': 'echo-reply', 'ttl': 64}, req_opt,
           'ok', [rep_opt])
    bad = bytearray(req)
    bad[-1] ^= 0xff
    t.case('IPv4 echo request with a wrong ICMP checksum', {'op': 'echo-reply', 'ttl': 64}, bytes(bad), 'refused')
    t.case('IPv4 echo reply is not answered', {'op': 'echo-reply', 'ttl': 64}, rep, 'refused')
    bcast = ipv4('255.255.255.255', VIP4, 1, icmp4(8, 0, struct.pack('!HH', 1, 1), data[:8]))
    t.case('IPv4 echo request from the broadcast address is not answered', {'op': 'echo-reply', 'ttl': 64}, bcast,
           'refused')
    req6 = ipv6(CLIENT6, VIP6, 58, icmp6(CLIENT6, VIP6, 128, 0, struct.pack('!HH', 0x4321, 3), data), flow=0x777,
                hlim=60)
    rep6 = ipv6(VIP6, CLIENT6, 58, icmp6(VIP6, CLIENT6, 129, 0, struct.pack('!HH', 0x4321, 3), data), flow=0x777,
                hlim=64)
    t.case('IPv6 echo request', {'op': 'echo-reply', 'ttl': 64}, req6, 'ok', [rep6])
    req6h = ipv6(CLIENT6, VIP6, 0, ext(58, bytes([1, 4, 0, 0, 0, 0])) +
                 icmp6(CLIENT6, VIP6, 128, 0, struct.pack('!HH', 1, 1), data[:4]))
    rep6h = ipv6(VIP6, CLIENT6, 58, icmp6(VIP6, CLIENT6, 129, 0, struct.pack('!HH', 1, 1), data[:4]))
    t.case('IPv6 echo request behind hop-by-hop: header removed', {'op': 'echo-reply', 'ttl': 64}, req6h, 'ok',
           [rep6h])
    frag = ipv6(CLIENT6, VIP6, 44, frag6(58, 0, True, 5) + icmp6(CLIENT6, VIP6, 128, 0, bytes(4), data[:8]))
    t.case('IPv6 fragmented echo request is not answered in place', {'op': 'echo-reply', 'ttl': 64}, frag, 'refused')
    t.write()


def icmp_error_flow():
    t = Table('icmp-error-flow', 'ICMP errors to a VIP keyed by the quoted VIP -> client packet, reversed.',
              'op: icmp-error-flow; key: the expected FlowKey.toString() (client -> VIP) or none.')
    reply = ipv4(VIP4, CLIENT4, 6, tcp(80, 40000, 0x12, pattern(1400), lambda n: pseudo4(VIP4, CLIENT4, 6, n)))
    router = '10.0.1.1'
    key4 = 'tcp 10.0.1.2:40000 -> 10.100.0.1:80'
    rows = [
        ('fragmentation needed quoting header + 8 bytes', ipv4(router, VIP4, 1, icmp4(3, 4, struct.pack('!HH', 0, 1400),
                                                                                      reply[:28])), 'OK', key4),
        ('fragmentation needed quoting 548 bytes', ipv4(router, VIP4, 1, icmp4(3, 4, struct.pack('!HH', 0, 1400),
                                                                               reply[:548])), 'OK', key4),
        ('time exceeded quoting UDP', ipv4(router, VIP4, 1, icmp4(11, 0, bytes(4), ipv4(
            VIP4, CLIENT4, 17, udp(53, 40001, pattern(4), lambda n: pseudo4(VIP4, CLIENT4, 17, n))))), 'OK',
         'udp 10.0.1.2:40001 -> 10.100.0.1:53'),
        ('unreachable quoting an echo reply: the identifier', ipv4(router, VIP4, 1, icmp4(3, 1, bytes(4), ipv4(
            VIP4, CLIENT4, 1, icmp4(0, 0, struct.pack('!HH', 0x99, 1), pattern(8))))), 'OK',
         'icmp 10.0.1.2:153 -> 10.100.0.1:0'),
        ('quote of a later fragment: 3-tuple', ipv4(router, VIP4, 1, icmp4(3, 4, bytes(4), ipv4(
            VIP4, CLIENT4, 17, pattern(8), df=False, frag_off=1480))), 'OK', 'udp 10.0.1.2:0 -> 10.100.0.1:0 fragment'),
        ('quote with only 2 TCP bytes: 3-tuple', ipv4(router, VIP4, 1, icmp4(3, 4, bytes(4), reply[:22])), 'OK',
         'tcp 10.0.1.2:0 -> 10.100.0.1:0 fragment'),
        ('echo request is not an error', ipv4(CLIENT4, VIP4, 1, icmp4(8, 0, bytes(4), pattern(8))),
         'UNSUPPORTED_PROTOCOL', 'none'),
        ('redirect is not forwarded', ipv4(router, VIP4, 1, icmp4(5, 1, bytes(4), reply[:28])),
         'UNSUPPORTED_PROTOCOL', 'none'),
        ('quote shorter than an IPv4 header', ipv4(router, VIP4, 1, icmp4(3, 4, bytes(4), reply[:19])),
         'TRUNCATED', 'none'),
        ('quote is IPv6', ipv4(router, VIP4, 1, icmp4(3, 4, bytes(4), tcp6()[:48])), 'BAD_VERSION', 'none'),
    ]
    for desc, packet, verdict, key in rows:
        t.case(desc, {'op': 'icmp-error-flow'}, packet, verdict, key=key)
    reply6 = ipv6(VIP6, CLIENT6, 6, tcp(80, 40000, 0x12, pattern(1400), lambda n: pseudo6(VIP6, CLIENT6, 6, n)))
    router6 = 'fd00:1::1'
    key6 = 'tcp [fd00:1::2]:40000 -> [fd00:100::1]:80'
    rows6 = [
        ('packet too big quoting 1232 bytes', icmp6(router6, VIP6, 2, 0, struct.pack('!I', 1400), reply6[:1232]), 'OK',
         key6),
        ('time exceeded quoting header + 8 bytes', icmp6(router6, VIP6, 3, 0, bytes(4), reply6[:48]), 'OK', key6),
        ('unreachable quoting destination options + UDP', icmp6(router6, VIP6, 1, 4, bytes(4), ipv6(
            VIP6, CLIENT6, 60, ext(17, bytes([1, 4, 0, 0, 0, 0])) +
            udp(53, 40001, pattern(4), lambda n: pseudo6(VIP6, CLIENT6, 17, n)))), 'OK',
         'udp [fd00:1::2]:40001 -> [fd00:100::1]:53'),
        ('quote of a later fragment', icmp6(router6, VIP6, 2, 0, struct.pack('!I', 1280), ipv6(
            VIP6, CLIENT6, 44, frag6(6, 1232, False, 9) + pattern(16))), 'OK',
         'tcp [fd00:1::2]:0 -> [fd00:100::1]:0 fragment'),
        ('quote cut inside its extension header', icmp6(router6, VIP6, 2, 0, struct.pack('!I', 1280), ipv6(
            VIP6, CLIENT6, 60, ext(6, bytes(14)) + pattern(8))[:44]), 'TRUNCATED', 'none'),
        ('echo request is not an error', icmp6(CLIENT6, VIP6, 128, 0, bytes(4), pattern(8)), 'UNSUPPORTED_PROTOCOL',
         'none'),
    ]
    for desc, message, verdict, key in rows6:
        src = CLIENT6 if 'echo' in desc else router6
        t.case('IPv6 ' + desc, {'op': 'icmp-error-flow'}, ipv6(src, VIP6, 58, message), verdict, key=key)
    t.write()


def fragment4(packet, mtu):
    """RFC 791 fragmentation, written out independently of Ipv4Fragmenter."""
    ihl = (packet[0] & 0xf) * 4
    options = packet[20:ihl]
    copied = b''
    i = 0
    while i < len(options):
        typ = options[i]
        if typ == 0:
            break
        if typ == 1:
            i += 1
            continue
        ln = options[i + 1]
        if typ & 0x80:
            copied += options[i:i + ln]
        i += ln
    copied = copied.ljust((len(copied) + 3) // 4 * 4, b'\0')
    src = str(ipaddress.IPv4Address(packet[12:16]))
    dst = str(ipaddress.IPv4Address(packet[16:20]))
    flags = struct.unpack('!H', packet[6:8])[0]
    base = (flags & 0x1fff) * 8
    orig_more = bool(flags & 0x2000)
    payload = packet[ihl:struct.unpack('!H', packet[2:4])[0]]
    out = []
    start = 0
    first = True
    while start < len(payload):
        opts = options if first else copied
        chunk = (mtu - 20 - len(opts)) // 8 * 8
        data = payload[start:start + chunk]
        more = start + len(data) < len(payload) or orig_more
        out.append(ipv4(src, dst, packet[9], data, tos=packet[1], ident=struct.unpack('!H', packet[4:6])[0],
                        df=False, mf=more, frag_off=base + start, ttl=packet[8], options=opts))
        start += len(data)
        first = False
    return out


def fragments():
    t = Table('fragments', 'IPv4 fragmentation (Ipv4Fragmenter, RFC 791) and the flow key of fragments.',
              'ops: fragment (config mtu; one output per fragment), flow-key (key field).')
    big = udp4(data=pattern(1472), df=False, ident=0xbeef)
    t.case('1500-byte UDP into 576-byte fragments', {'op': 'fragment', 'mtu': 576}, big, 'ok', fragment4(big, 576))
    t.case('1500-byte UDP into 1476-byte fragments (tunnel MTU 1500 - 24 GRE)', {'op': 'fragment', 'mtu': 1476}, big,
           'ok', fragment4(big, 1476))
    opts = ipv4(CLIENT4, VIP4, 17, udp(1, 2, pattern(300), lambda n: pseudo4(CLIENT4, VIP4, 17, n)), df=False,
                ident=7, options=bytes([0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x83, 0x07, 0x04, 0, 0, 0, 0, 0]))
    t.case('options: record route (not copied) dropped, loose source route (copied) kept', {'op': 'fragment',
                                                                                           'mtu': 200},
           opts, 'ok', fragment4(opts, 200))
    mid = udp4(data=pattern(1000), df=False, ident=3, mf=True)
    mid = ipv4(CLIENT4, VIP4, 17, mid[20:1020 - 4], df=False, ident=3, mf=True, frag_off=800)
    t.case('fragmenting a middle fragment keeps its offset and MF', {'op': 'fragment', 'mtu': 300}, mid, 'ok',
           fragment4(mid, 300))
    small = udp4(data=pattern(100), df=False)
    t.case('a packet that fits is copied whole', {'op': 'fragment', 'mtu': 576}, small, 'ok', [small])
    t.case('DF set: refused (the gateway sends fragmentation needed)', {'op': 'fragment', 'mtu': 576},
           udp4(data=pattern(1000), df=True), 'refused')
    for i, f in enumerate(fragment4(big, 576)):
        t.case('flow key of fragment %d: 3-tuple' % (i + 1), {'op': 'flow-key'}, f, 'OK',
               key='udp 10.0.1.2:0 -> 10.100.0.1:0 fragment')
    first6 = ipv6(CLIENT6, VIP6, 44, frag6(17, 0, True, 0x77) + udp(40000, 53, pattern(1000),
                                                                   lambda n: pseudo6(CLIENT6, VIP6, 17, n))[:1000])
    last6 = ipv6(CLIENT6, VIP6, 44, frag6(17, 1000, False, 0x77) + pattern(8))
    for desc, p in [('IPv6 first fragment', first6), ('IPv6 last fragment', last6)]:
        t.case('flow key of ' + desc + ': 3-tuple', {'op': 'flow-key'}, p, 'OK',
               key='udp [fd00:1::2]:0 -> [fd00:100::1]:0 fragment')
    t.write()


def l2_dsr():
    """L2 DSR (tunnel = none): no operation writes anything, the packet leaves unchanged (same TTL, same
    checksum, options and extension headers kept) in a frame to the on-link backend's MAC."""
    t = Table('l2-dsr', 'L2 DSR (tunnel = none): the packet goes unchanged to the on-link backend.',
              'op forward-l2: config backend (the on-link backend the frame goes to), eth-padding (zero bytes '
              'behind the IP packet in the Ethernet frame, not part of the output).')
    opts = bytes([0x94, 0x04, 0, 0])                               # Router Alert (RFC 2113), 4 bytes
    hbh = ext(60, bytes([1, 4, 0, 0, 0, 0]))                       # PadN(4) -> destination options
    dst6 = ext(6, bytes([0x1e, 2, 0, 0, 1, 0]) + bytes(8))         # unknown skippable option + PadN -> TCP
    tcp_ext = tcp(40000, 80, 0x02, b'', lambda n: pseudo6(CLIENT6, VIP6, 6, n))
    rows = [
        ('IPv4 TCP SYN, TTL 64 not decremented, DSCP EF + ECT(1) kept', tcp4(tos=0xb9, data=pattern(12)), BE4, 0),
        ('IPv4 TCP, TTL 2 not decremented', tcp4(ttl=2, flags=0x10, data=pattern(100)), BE4, 0),
        ('IPv4 UDP, DF clear stays clear, ECN CE kept', udp4(tos=0x03, df=False, data=pattern(33)), BE4, 0),
        ('IPv4 with options (Router Alert) kept', tcp4(options=opts, data=pattern(8)), BE4, 0),
        ('IPv4 UDP in a minimum frame: 14 bytes of Ethernet padding not sent',
         udp4(data=pattern(4)), BE4, 14),
        ('IPv6 TCP, hop limit 64 not decremented, traffic class + flow label kept',
         tcp6(tc=0xb9, flow=0xabcde, data=pattern(12)), BE6, 0),
        ('IPv6 UDP, hop limit 1 not decremented', udp6(hlim=1, data=pattern(33)), BE6, 0),
        ('IPv6 with hop-by-hop and destination options headers kept',
         ipv6(CLIENT6, VIP6, 0, hbh + dst6 + tcp_ext), BE6, 0),
    ]
    for desc, packet, backend, padding in rows:
        t.case(desc, {'op': 'forward-l2', 'kind': 'none', 'backend': backend, 'eth-padding': padding}, packet, 'ok',
               [packet])
    t.write()


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    tunnel_kinds()
    ipv6_extension_headers()
    icmp_too_big()
    echo()
    icmp_error_flow()
    fragments()
    l2_dsr()
    print('wrote', sorted(os.listdir(OUT)))
