# Sends hand-built tunnel packets of every kind (no scapy needed), for the manual verification scripts.
# usage: send_tunnel.py KIND OUTER_SRC OUTER_DST INNER_SRC INNER_DST COUNT [key=K] [csum] [syn=PORT] [corrupt]
#   KIND: ipip | sit | gre | ip6tnl | ip6gre (outer family from OUTER_DST, inner family from INNER_DST)
#   inner packet: ICMP/ICMPv6 echo request (the VIP answers it), or with syn=PORT a TCP SYN carrying MSS 1460
import socket, struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def v6(a): return ':' in a

def ipv4(src, dst, proto, payload, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def ipv6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 6 << 28, len(payload), nh, 64, socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload

def pseudo(src, dst, proto, length):
    if v6(dst):
        return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
                + struct.pack('!IxxxB', length, proto))
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!xBH', proto, length)

def inner(src, dst, i, syn_port):
    if syn_port:
        tcp = struct.pack('!HHIIBBHHH', 40000 + i, syn_port, 1000 + i, 0, 6 << 4, 0x02, 64240, 0, 0)
        tcp += struct.pack('!BBH', 2, 4, 1460)                       # MSS option 1460
        proto = 6
        tcp = tcp[:16] + struct.pack('!H', csum(pseudo(src, dst, proto, len(tcp)) + tcp)) + tcp[18:]
        return ipv6(src, dst, proto, tcp) if v6(dst) else ipv4(src, dst, proto, tcp, ident=i)
    if v6(dst):
        icmp = struct.pack('!BBHHH', 128, 0, 0, 0x4242, i) + b'dsr-agent-test!!'
        icmp = icmp[:2] + struct.pack('!H', csum(pseudo(src, dst, 58, len(icmp)) + icmp)) + icmp[4:]
        return ipv6(src, dst, 58, icmp)
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + b'dsr-agent-test!!'
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    return ipv4(src, dst, 1, icmp, ident=i)

def gre(payload, key, with_csum, v6inner):
    flags = (0x8000 if with_csum else 0) | (0x2000 if key is not None else 0)
    h = struct.pack('!HH', flags, 0x86dd if v6inner else 0x0800)
    if with_csum: h += b'\0\0\0\0'
    if key is not None: h += struct.pack('!I', key)
    p = h + payload
    if with_csum: p = p[:4] + struct.pack('!H', csum(p)) + p[6:]
    return p

kind, osrc, odst, isrc, idst, n = sys.argv[1:7]
opts = dict(o.split('=', 1) if '=' in o else (o, '1') for o in sys.argv[7:])
key = int(opts['key']) if 'key' in opts else None
syn = int(opts.get('syn', 0))
for i in range(int(n)):
    p = bytearray(inner(isrc, idst, i, syn))
    if 'corrupt' in opts: p[5 if v6(idst) else 2] ^= 0x01          # inner (payload/total) length off by 256
    p = bytes(p)
    if kind in ('gre', 'ip6gre'):
        p, proto = gre(p, key, 'csum' in opts, v6(idst)), 47
    else:
        proto = 41 if v6(idst) else 4
    if v6(odst):
        # the kernel writes the IPv6 header (raw IPv6 sockets never take one from us for these protocols)
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, proto)
        s.bind((osrc, 0))
        s.sendto(p, (odst, 0))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(ipv4(osrc, odst, proto, p, ident=i), (odst, 0))
