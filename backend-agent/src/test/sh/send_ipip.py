# usage: send_ipip.py OUTER_SRC OUTER_DST INNER_SRC INNER_DST COUNT [corrupt]
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ipv4(src, dst, proto, payload, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20+len(payload), ident, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload
osrc, odst, isrc, idst, n = sys.argv[1:6]
corrupt = len(sys.argv) > 6
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(int(n)):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + b'dsr-agent-test!!'
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    inner = bytearray(ipv4(isrc, idst, 1, icmp, ident=i))
    if corrupt: inner[10] ^= 0xff
    s.sendto(ipv4(osrc, odst, 4, bytes(inner)), (odst, 0))
