package io.dsrgw.harness.vm;

/**
 * The shell scripts inside the initramfs (busybox ash). Kernel command-line keys the init understands:
 * <pre>
 * dsrgw.ip=A/P  dsrgw.gw=A  dsrgw.ip6=A/P  dsrgw.gw6=A   addresses and default routes of eth0
 * dsrgw.9p=TAG:/mount/point                               read-only virtio-9p share (repeatable)
 * </pre>
 * The init loads the modules listed in {@value #MODULE_ORDER} (insmod, in order), configures eth0, mounts the shares,
 * starts the command channel on TCP {@value #CONTROL_PORT} and prints {@value #READY_MARKER} on the console.
 */
final class GuestScripts {
    static final String READY_MARKER = "DSRGW-VM-READY";
    static final String MODULE_ORDER = "/etc/dsrgw/modules.order";
    static final String PROFILE = "/etc/dsrgw/profile";
    static final int CONTROL_PORT = 5555;
    /** Follows the output of every command-channel request: "\n@@DSRGW-EXIT RC\n". */
    static final String EXIT_MARKER = "@@DSRGW-EXIT ";

    private GuestScripts() {
    }

    /**
     * Sourced by the command channel before every request. Debian's busybox ash runs its own {@code ip} applet even
     * when {@code /sbin/ip} is first in PATH (FEATURE_SH_STANDALONE), and busybox {@code ip} silently ignores
     * {@code type ipip}: force the real iproute2 binary.
     */
    static final String PROFILE_TEXT = """
            export PATH=/sbin:/usr/sbin:/bin:/usr/bin
            ip() { /sbin/ip "$@"; }
            """;

    static final String INIT = """
            #!/bin/sh
            # /init of the dsrgw test VM (busybox + iproute2 + Debian kernel modules)
            . /etc/dsrgw/profile
            mount -t proc proc /proc
            mount -t sysfs sys /sys
            mount -t devtmpfs dev /dev 2>/dev/null
            mkdir -p /dev/pts /run /tmp; mount -t devpts devpts /dev/pts
            mount -t tmpfs tmp /run; mount -t tmpfs tmp /tmp
            echo "DSRGW: init uptime=$(cut -d' ' -f1 /proc/uptime)"
            KV=$(uname -r)
            while read -r m; do
              insmod /lib/modules/$KV/$m || echo "DSRGW: insmod $m FAILED"
            done < /etc/dsrgw/modules.order
            echo "DSRGW: modules loaded uptime=$(cut -d' ' -f1 /proc/uptime)"
            for kv in $(cat /proc/cmdline); do
              case "$kv" in
                dsrgw.ip=*)  IP4=${kv#dsrgw.ip=} ;;
                dsrgw.gw=*)  GW4=${kv#dsrgw.gw=} ;;
                dsrgw.ip6=*) IP6=${kv#dsrgw.ip6=} ;;
                dsrgw.gw6=*) GW6=${kv#dsrgw.gw6=} ;;
                dsrgw.9p=*)  SHARES="$SHARES ${kv#dsrgw.9p=}" ;;
              esac
            done
            ip link set lo up
            i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
            ip link set eth0 up
            [ -n "$IP4" ] && ip addr add "$IP4" dev eth0
            [ -n "$GW4" ] && ip route add default via "$GW4"
            [ -n "$IP6" ] && ip -6 addr add "$IP6" dev eth0 nodad
            [ -n "$GW6" ] && ip -6 route add default via "$GW6"
            for s in $SHARES; do
              tag=${s%%:*}; mp=${s#*:}; mkdir -p "$mp"
              # cache=loose: the shared directories (JDK, built distributions) do not change while the VM runs
              mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro "$tag" "$mp" \\
                && echo "DSRGW: 9p $tag mounted on $mp" || echo "DSRGW: 9p $tag mount FAILED"
            done
            # Command channel (test VM only): one request per connection, see /bin/dsrgw-ctl
            nc -ll -p %d -e /bin/dsrgw-ctl </dev/null >/dev/null 2>&1 &
            echo "%s uptime=$(cut -d' ' -f1 /proc/uptime)"
            # pid 1 never exits; a console shell for interactive debugging (qemu -serial stdio)
            while true; do setsid cttyhack sh; sleep 1; done
            """.formatted(CONTROL_PORT, READY_MARKER);

    /**
     * One request of the command channel: the script arrives on stdin until EOF (the host half-closes), runs in a
     * subshell with stdin from /dev/null, and its combined output is sent back followed by the exit marker.
     */
    static final String CONTROL = """
            #!/bin/sh
            . /etc/dsrgw/profile
            f=/run/ctl.$$
            cat > $f
            ( . $f ) > $f.out 2>&1 < /dev/null
            rc=$?
            cat $f.out
            printf '\\n%s%%d\\n' $rc
            rm -f $f $f.out
            """.formatted(EXIT_MARKER);
}
