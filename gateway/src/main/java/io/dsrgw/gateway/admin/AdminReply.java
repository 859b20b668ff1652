package io.dsrgw.gateway.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to one admin request. On the unix socket it is one line of JSON:
 * <pre>
 *   {"ok":true,"output":"TEXT"}          success: dsrctl prints TEXT as is and exits 0
 *   {"ok":false,"error":"MESSAGE"}       failure: dsrctl prints "dsrctl: MESSAGE" on stderr and exits 1
 * </pre>
 *
 * @param ok     true when the command did what was asked
 * @param output the human-readable result (lines ending in '\n'), empty on failure
 * @param error  why it failed (one or more lines), null on success
 */
public record AdminReply(boolean ok, String output, String error) {
    public static AdminReply ok(String output) {
        return new AdminReply(true, output, null);
    }

    public static AdminReply error(String error) {
        return new AdminReply(false, "", error);
    }

    /** The wire form, without the trailing newline. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok);
        if (ok) {
            m.put("output", output);
        } else {
            m.put("error", error);
        }
        return Json.write(m);
    }

    /**
     * Parses the wire form.
     *
     * @throws IllegalArgumentException when it is not a reply
     */
    public static AdminReply fromJson(String line) {
        if (!(Json.parse(line) instanceof Map<?, ?> m) || !(m.get("ok") instanceof Boolean ok)) {
            throw new IllegalArgumentException("not an admin reply (expected: {\"ok\":true|false,...}): " + line);
        }
        return ok ? ok(String.valueOf(m.get("output"))) : error(String.valueOf(m.get("error")));
    }
}
