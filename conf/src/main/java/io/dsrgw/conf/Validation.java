package io.dsrgw.conf;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Syntax rules shared by the gateway and agent readers. Each returns null when fine, else the reason. */
final class Validation {

    /** Linux IFNAMSIZ is 16 including the terminating NUL. */
    static final int MAX_INTERFACE_NAME_CHARS = 15;

    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern VIP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private Validation() {
    }

    static <E> Map<String, E> ids(E[] values, Function<E, String> id) {
        Map<String, E> m = new LinkedHashMap<>();
        for (E e : values) {
            m.put(id.apply(e), e);
        }
        return m;
    }

    /** Names the kernel accepts and that stay readable in `ip link`: no '/', ':', whitespace, "." or "..". */
    static boolean isInterfaceName(String s) {
        return INTERFACE_NAME.matcher(s).matches() && !s.equals(".") && !s.equals("..");
    }

    static final String INTERFACE_NAME_RULE = "1.." + MAX_INTERFACE_NAME_CHARS + " characters of [A-Za-z0-9_.-]";

    /** VIP names appear in metric names, dsrctl output and log lines: keep them to a safe alphabet. */
    static boolean isVipName(String s) {
        return VIP_NAME.matcher(s).matches();
    }

    static final String VIP_NAME_RULE = "1..64 characters of [A-Za-z0-9_.-]";

    /**
     * Checks "host:port" where host is an IPv4 literal, a bracketed IPv6 literal or "localhost" (no DNS), and
     * port is 0..65535 (0: any free port).
     */
    static String hostPortProblem(String s) {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return "missing ']' after the IPv6 address";
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.startsWith(":")) {
                return "missing :port after ']'";
            }
            port = rest.substring(1);
            try {
                IpLiterals.parseIpv6(host);
            } catch (IllegalArgumentException e) {
                return "bad IPv6 host: " + e.getMessage();
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                return "missing :port";
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                return "an IPv6 host needs brackets, e.g. [::1]:9180";
            }
            if (!host.equals("localhost")) {
                try {
                    IpLiterals.parseIpv4(host);
                } catch (IllegalArgumentException e) {
                    return "host must be an IP address or localhost: " + e.getMessage();
                }
            }
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
            || Integer.parseInt(port) > 65535) {
            return "port must be 0..65535";
        }
        return null;
    }

    static final String HOST_PORT_RULE = "host:port with an IP address or localhost and a port 0..65535, "
        + "e.g. 127.0.0.1:9180 or [::1]:9180";
}
