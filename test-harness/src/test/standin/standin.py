#!/usr/bin/env python3
"""Development stand-ins for dsr-gateway run / dsr-agent run (userspace ipip), NOT the product.
Used only to exercise the harness before the real distributions exist."""
import fcntl, os, re, signal, socket, struct, subprocess, sys, zlib

def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))
    return fd

def sh(*a):
    subprocess.run(a, check=True)

def csum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff

def gateway(conf):
    dev = re.search(r"device\s*=\s*(\w+)", conf).group(1)
    src = re.search(r"ipv4\s*=\s*([\d.]+)", conf).group(1)
    vip = re.search(r"address\s*=\s*([\d.]+),\s*protocol", conf).group(1)
    ports = [int(p) for p in re.search(r"ports\s*=\s*\[([^\]]*)\]", conf).group(1).split(",")]
    backends = re.findall(r"\{ address = ([\d.]+) \}", conf)
    fd = tun(dev)
    sh("ip", "link", "set", dev, "mtu", "1480"); sh("ip", "link", "set", dev, "addrgenmode", "none")
    sh("ip", "link", "set", dev, "up"); sh("ip", "route", "add", vip + "/32", "dev", dev)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    c = {"rx_packets": 0, "tx_packets": 0, "drop_not_vip": 0}
    def stop(*_):
        for k, v in c.items(): print(k, v)
        sys.stdout.flush(); os._exit(0)
    signal.signal(signal.SIGTERM, stop); signal.signal(signal.SIGINT, stop)
    print("dsr-gateway: forwarding 1 VIPs on " + dev, flush=True)
    vipb = socket.inet_aton(vip); ident = 0
    while True:
        p = os.read(fd, 65535); c["rx_packets"] += 1
        if len(p) < 20 or p[0] >> 4 != 4: continue
        ihl = (p[0] & 15) * 4
        if p[16:20] != vipb or p[9] != 6 or struct.unpack("!H", p[ihl + 2:ihl + 4])[0] not in ports:
            c["drop_not_vip"] += 1; continue
        be = backends[zlib.crc32(p[12:20] + p[ihl:ihl + 4]) % len(backends)]
        ident = (ident + 1) & 0xffff
        h = struct.pack("!BBHHHBBH4s4s", 0x45, p[1], 20 + len(p), ident, struct.unpack("!H", p[6:8])[0] & 0x4000,
                        64, 4, 0, socket.inet_aton(src), socket.inet_aton(be))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        raw.sendto(h + p, (be, 0)); c["tx_packets"] += 1

def agent(conf):
    gws = re.search(r"gateways\s*=\s*\[([^\]]*)\]", conf).group(1).split(",")
    gws = {socket.inet_aton(g.strip()) for g in gws}
    vip = re.search(r"vips\s*=\s*\[([^\]]*)\]", conf).group(1).strip()
    dev = re.search(r"decap-device\s*=\s*(\w+)", conf).group(1)
    fd = tun(dev)
    sh("ip", "link", "set", dev, "up"); sh("ip", "addr", "add", vip + "/32", "dev", "lo", "label", "lo:dsrvip")
    for k in ("net.ipv4.conf.all.rp_filter", "net.ipv4.conf.%s.rp_filter" % dev):
        sh("sysctl", "-qw", k + "=0")
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("dsr-agent: ready", flush=True)
    while True:
        p = raw.recv(65535)
        if p[12:16] not in gws: continue
        os.write(fd, p[(p[0] & 15) * 4:])

if __name__ == "__main__":
    conf = open(sys.argv[4]).read()
    gateway(conf) if sys.argv[1] == "gateway" else agent(conf)
