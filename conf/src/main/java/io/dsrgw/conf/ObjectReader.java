package io.dsrgw.conf;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one HOCON object of the user's file, with the matching object of {@code reference.conf} (if any) as
 * the source of defaults. Every reader records a problem and returns null instead of throwing, so that one
 * pass finds every problem. Origins always come from the user's values: a merged object's origin would say
 * "merge of gateway.conf, reference.conf" and lose the line.
 */
final class ObjectReader {

    /** Which address family an address must have. */
    enum Family {
        ANY("an IPv4 or IPv6 address"), IPV4("an IPv4 address"), IPV6("an IPv6 address");

        final String text;

        Family(String text) {
            this.text = text;
        }
    }

    private final Problems problems;
    private final String path;
    private final ConfigObject user;
    private final ConfigObject reference;
    private final ConfigOrigin enclosing;

    /**
     * @param problems  where problems go
     * @param path      HOCON path of this object ("" for the root)
     * @param user      the user's object, or null when the user did not write it
     * @param reference the defaults for it, or null
     * @param enclosing origin of the nearest enclosing object the user wrote (for "missing" problems)
     */
    ObjectReader(Problems problems, String path, ConfigObject user, ConfigObject reference,
                 ConfigOrigin enclosing) {
        this.problems = problems;
        this.path = path;
        this.user = user;
        this.reference = reference;
        this.enclosing = enclosing;
    }

    Problems problems() {
        return problems;
    }

    String path() {
        return path;
    }

    /** @return true when the user wrote this object */
    boolean written() {
        return user != null;
    }

    /** @return where this object is (the user's object, else the nearest enclosing one) */
    ConfigOrigin origin() {
        return user != null ? user.origin() : enclosing;
    }

    String child(String key) {
        String k = key.matches("[A-Za-z0-9_-]+") ? key : Hocon.quote(key);
        return path.isEmpty() ? k : path + "." + k;
    }

    /** Records every key the user wrote that is not one of {@code known}, with a suggestion when close. */
    void allowKeys(String... known) {
        if (user == null) {
            return;
        }
        List<String> knownList = Arrays.asList(known);
        for (String key : new TreeSet<>(user.keySet())) {
            if (knownList.contains(key)) {
                continue;
            }
            String suggestion = Hocon.closest(key, knownList);
            String expected = suggestion != null
                ? "did you mean " + suggestion + "?"
                : known.length == 1 ? "the only key here is " + known[0] : "one of " + String.join(", ", known);
            problems.add(user.get(key).origin(), child(key), "unknown key", expected);
        }
    }

    /** @return the user's value, else the default; null when neither exists (explicit null counts as absent) */
    ConfigValue value(String key) {
        ConfigValue v = user == null ? null : user.get(key);
        if (v != null && v.valueType() != ConfigValueType.NULL) {
            return v;
        }
        ConfigValue r = reference == null ? null : reference.get(key);
        if (r != null && r.valueType() != ConfigValueType.NULL) {
            return r;
        }
        return null;
    }

    /** @return true when the user wrote a non-null value for the key */
    boolean userHas(String key) {
        ConfigValue v = user == null ? null : user.get(key);
        return v != null && v.valueType() != ConfigValueType.NULL;
    }

    /** @return true when the user or the defaults have a value for the key */
    boolean has(String key) {
        return value(key) != null;
    }

    void missing(String key, String expected) {
        ConfigValue v = user == null ? null : user.get(key);
        // An explicit "key = null" is reported where it is written.
        problems.add(v != null ? v.origin() : origin(), child(key), v != null ? "null" : "missing", expected);
    }

    void bad(ConfigValue v, String valuePath, String expected) {
        problems.add(v.origin(), valuePath, Hocon.render(v), expected);
    }

    /** Records a problem whose value part is already written out ({@code "/x.sock" is 131 bytes}). */
    void problem(ConfigValue v, String valuePath, String value, String expected) {
        problems.add(v.origin(), valuePath, value, expected);
    }

    /**
     * @return a reader for the sub-object, or null (problem recorded) when it is missing and required, or not an
     *     object; for an optional missing object, a reader with no user object
     */
    ObjectReader object(String key, boolean required, String expected) {
        ConfigValue v = value(key);
        ConfigValue r = reference == null ? null : reference.get(key);
        ConfigObject refObj = r instanceof ConfigObject o ? o : null;
        if (v == null) {
            if (required) {
                missing(key, expected);
                return null;
            }
            return new ObjectReader(problems, child(key), null, refObj, origin());
        }
        if (!(v instanceof ConfigObject o)) {
            bad(v, child(key), expected);
            return null;
        }
        ConfigObject userObj = userHas(key) ? o : null;
        return new ObjectReader(problems, child(key), userObj, refObj, origin());
    }

    /** @return a reader for a list element that must be an object, with element defaults; null if not one */
    ObjectReader element(ConfigValue v, String elementPath, ConfigObject defaults, String expected) {
        if (!(v instanceof ConfigObject o)) {
            bad(v, elementPath, expected);
            return null;
        }
        return new ObjectReader(problems, elementPath, o, defaults, o.origin());
    }

    /** @return the list, or null (problem recorded when required or not a list) */
    ConfigList list(String key, boolean required, boolean nonEmpty, String expected) {
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        if (!(v instanceof ConfigList l)) {
            bad(v, child(key), expected);
            return null;
        }
        if (nonEmpty && l.isEmpty()) {
            bad(v, child(key), expected);
            return null;
        }
        return l;
    }

    /** @return the text of a scalar (strings as is; numbers and booleans as written), or null */
    String string(String key, boolean required, String expected) {
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        return scalarText(v, child(key), expected);
    }

    String scalarText(ConfigValue v, String valuePath, String expected) {
        return switch (v.valueType()) {
            case STRING -> (String) v.unwrapped();
            case NUMBER, BOOLEAN -> v.render();
            default -> {
                bad(v, valuePath, expected);
                yield null;
            }
        };
    }

    /** @return the integer in [min, max], or null; "expected" defaults to "an integer min..max" */
    Long integer(String key, long min, long max, boolean required) {
        String expected = "an integer " + min + ".." + max;
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        return integerValue(v, child(key), min, max, expected);
    }

    Long integerValue(ConfigValue v, String valuePath, long min, long max, String expected) {
        Long n = null;
        if (v.valueType() == ConfigValueType.NUMBER) {
            Number num = (Number) v.unwrapped();
            if (num instanceof Integer || num instanceof Long) {
                n = num.longValue();
            } else if (num.doubleValue() == Math.rint(num.doubleValue()) && Math.abs(num.doubleValue()) < 1e15
                && !v.render().contains(".")) {
                n = num.longValue(); // 1e3
            }
        } else if (v.valueType() == ConfigValueType.STRING) {
            try {
                n = Long.parseLong(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                n = null;
            }
        }
        if (n == null || n < min || n > max) {
            bad(v, valuePath, expected);
            return null;
        }
        return n;
    }

    /**
     * @return the boolean, or null; accepts what Typesafe Config's getBoolean accepts: true/false and the strings
     *     true, false, yes, no, on, off
     */
    Boolean bool(String key, boolean required) {
        String expected = "true or false";
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        if (v.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) v.unwrapped();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            switch ((String) v.unwrapped()) {
                case "true", "yes", "on" -> {
                    return Boolean.TRUE;
                }
                case "false", "no", "off" -> {
                    return Boolean.FALSE;
                }
                default -> {
                }
            }
        }
        bad(v, child(key), expected);
        return null;
    }

    /** @return one of {@code choices} (keys are the configuration spellings), or null */
    <E> E choice(String key, Map<String, E> choices, boolean required) {
        String expected = orList(choices.keySet());
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        return choiceValue(v, child(key), choices, expected);
    }

    <E> E choiceValue(ConfigValue v, String valuePath, Map<String, E> choices, String expected) {
        String s = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : null;
        E e = s == null ? null : choices.get(s);
        if (e == null) {
            bad(v, valuePath, expected);
        }
        return e;
    }

    /** @return the duration in [min, max] (HOCON units: 500ms, 1s, 10m; a bare number is milliseconds) */
    Duration duration(String key, Duration min, Duration max, boolean required) {
        String expected = "a duration " + Hocon.formatDuration(min) + ".." + Hocon.formatDuration(max)
            + " (e.g. 500ms, 1s, 10s)";
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, expected);
            }
            return null;
        }
        Duration d;
        try {
            d = ConfigFactory.empty().withValue("d", v).getDuration("d");
        } catch (ConfigException e) {
            bad(v, child(key), expected);
            return null;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            bad(v, child(key), expected);
            return null;
        }
        return d;
    }

    /** @return the address (never resolved through DNS), or null */
    InetAddress address(String key, Family family, boolean required) {
        ConfigValue v = value(key);
        if (v == null) {
            if (required) {
                missing(key, family.text);
            }
            return null;
        }
        return addressValue(v, child(key), family);
    }

    InetAddress addressValue(ConfigValue v, String valuePath, Family family) {
        String s = v.valueType() == ConfigValueType.STRING ? ((String) v.unwrapped()).trim() : null;
        if (s == null) {
            // A number here is what "10.5" or "10" parses as: not an address.
            bad(v, valuePath, family.text + (v.valueType() == ConfigValueType.NUMBER ? " (dotted quad a.b.c.d)"
                : ""));
            return null;
        }
        InetAddress a;
        try {
            a = IpLiterals.parse(s);
        } catch (IllegalArgumentException e) {
            bad(v, valuePath, family.text + "; " + e.getMessage());
            return null;
        }
        if (family == Family.IPV4 && !(a instanceof Inet4Address)) {
            bad(v, valuePath, family.text + "; this is IPv6");
            return null;
        }
        if (family == Family.IPV6 && !(a instanceof Inet6Address)) {
            bad(v, valuePath, family.text + "; this is IPv4");
            return null;
        }
        if (IpLiterals.isSpecial(a)) {
            bad(v, valuePath, "a unicast " + family.text.substring(family.text.indexOf(' ') + 1)
                + " (not unspecified, loopback, multicast or broadcast)");
            return null;
        }
        return a;
    }

    /** @return a list of distinct addresses (each checked), or null when the list itself is bad */
    List<InetAddress> addressList(String key, boolean required, String what) {
        String expected = "a non-empty list of IPv4/IPv6 addresses (" + what + "), e.g. [10.0.2.2, \"fd00:2::2\"]";
        ConfigList list = list(key, required, true, expected);
        if (list == null) {
            return null;
        }
        List<InetAddress> out = new ArrayList<>();
        Map<InetAddress, ConfigValue> seen = new java.util.HashMap<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue e = list.get(i);
            String p = child(key) + "[" + i + "]";
            InetAddress a = addressValue(e, p, Family.ANY);
            if (a == null) {
                ok = false;
                continue;
            }
            ConfigValue first = seen.putIfAbsent(a, e);
            if (first != null) {
                bad(e, p, "unique addresses; " + IpLiterals.format(a) + " is already listed at "
                    + problems.location(first.origin()));
                ok = false;
                continue;
            }
            out.add(a);
        }
        return ok ? out : null;
    }

    static String orList(Set<String> choices) {
        List<String> l = new ArrayList<>(choices);
        if (l.size() == 1) {
            return l.get(0);
        }
        return String.join(", ", l.subList(0, l.size() - 1)) + " or " + l.get(l.size() - 1);
    }
}
