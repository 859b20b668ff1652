package io.dsrgw.agent.plan;

import java.util.List;

/**
 * One idempotent step of a {@link Plan}. {@link #describe()} is the exact command that performs it;
 * for iproute2 steps the executor runs precisely that command line.
 */
public sealed interface Operation {
    /** The command, e.g. {@code ip addr add 10.100.0.1/32 dev lo label lo:dsrvip}. */
    String describe();

    /** The command line as argv (split on spaces; no argument contains one). */
    default List<String> argv() {
        return List.of(describe().split(" "));
    }

    /** Add an address the agent will own. */
    record AddAddress(AddressSpec address) implements Operation {
        @Override
        public String describe() {
            return "ip addr add " + address.cidr() + " dev " + address.device()
                    + (address.label() == null ? "" : " label " + address.label()) + (address.noDad() ? " nodad" : "");
        }
    }

    /** Remove an address the agent owns. */
    record DeleteAddress(AddressSpec address) implements Operation {
        @Override
        public String describe() {
            return "ip addr del " + address.cidr() + " dev " + address.device();
        }
    }

    /**
     * Create a persistent single-queue TUN without packet information (IFF_TUN | IFF_NO_PI), which
     * the decapsulator attaches to. Persistent so that it, its sysctls and its state outlive the process.
     */
    record CreateTunDevice(String name) implements Operation {
        @Override
        public String describe() {
            return "ip tuntap add dev " + name + " mode tun";
        }
    }

    /**
     * Create a kernel tunnel device ({@link TunnelDeviceSpec#createArgv()}); kernel mode. Recorded as owned
     * before it runs, like a TUN.
     */
    record CreateTunnelDevice(TunnelDeviceSpec device) implements Operation {
        @Override
        public String describe() {
            return String.join(" ", device.createArgv());
        }

        @Override
        public List<String> argv() {
            return device.createArgv();
        }
    }

    /** Set a device's MTU (tunnel devices: tunnel-mtu minus the overhead). */
    record SetMtu(String name, int mtuBytes) implements Operation {
        @Override
        public String describe() {
            return "ip link set dev " + name + " mtu " + mtuBytes;
        }
    }

    /** Delete a device the agent created. */
    record DeleteDevice(String name) implements Operation {
        @Override
        public String describe() {
            return "ip link del dev " + name;
        }
    }

    /** Turn IPv6 address generation off, so the kernel writes no IPv6 packets (MLD, RS) into a TUN. */
    record SetAddrGenModeNone(String name) implements Operation {
        @Override
        public String describe() {
            return "ip link set dev " + name + " addrgenmode none";
        }
    }

    /** Bring a device administratively up. */
    record SetLinkUp(String name) implements Operation {
        @Override
        public String describe() {
            return "ip link set dev " + name + " up";
        }
    }

    /** Set a sysctl the config needs; its old value is recorded first (once). */
    record SetSysctl(String key, String value) implements Operation {
        @Override
        public String describe() {
            return "sysctl -w " + key + "=" + value;
        }
    }

    /**
     * Make the agent's nftables table exactly {@code table}, atomically ({@link NftTable#script()}).
     * Printed as a shell command; run as {@code nft <script>} (nft joins its arguments into one input).
     */
    record ReplaceNftTable(NftTable table) implements Operation {
        @Override
        public String describe() {
            return "nft '" + table.script() + "'";
        }

        @Override
        public List<String> argv() {
            return List.of("nft", table.script());
        }
    }

    /** Delete the agent's nftables table. */
    record DeleteNftTable() implements Operation {
        @Override
        public String describe() {
            return "nft delete table " + NftTable.QUALIFIED_NAME;
        }
    }

    /**
     * Open a kernel GUE receive port ({@link FouPortSpec#addArgv()}); kernel mode with gue. Recorded as owned
     * before it runs, like a device.
     */
    record AddFouPort(FouPortSpec port) implements Operation {
        @Override
        public String describe() {
            return String.join(" ", port.addArgv());
        }

        @Override
        public List<String> argv() {
            return port.addArgv();
        }
    }

    /** Close a GUE receive port the agent opened. */
    record DeleteFouPort(FouPortSpec port) implements Operation {
        @Override
        public String describe() {
            return String.join(" ", port.deleteArgv());
        }

        @Override
        public List<String> argv() {
            return port.deleteArgv();
        }
    }

    /** Put back a sysctl's recorded old value and forget the record. */
    record RestoreSysctl(String key, String value) implements Operation {
        @Override
        public String describe() {
            return "sysctl -w " + key + "=" + value;
        }
    }
}
