package io.dsrgw.gateway.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to one admin request. On the unix socket it is one line of JSON:
 * <pre>
 *   {"ok":true,"output":"TEXT","data":{...}}   success: dsrctl prints TEXT as is (or, with --json, DATA) and
 *                                              exits 0
 *   {"ok":false,"error":"MESSAGE"}             failure: dsrctl prints "dsrctl: COMMAND: MESSAGE" on stderr and
 *                                              exits 1
 * </pre>
 *
 * @param ok     true when the command did what was asked
 * @param output the human-readable result (lines ending in '\n'), empty on failure
 * @param error  why it failed (one or more lines), null on success
 * @param data   the same result as a JSON-ready tree (maps, lists, strings, numbers, booleans), for
 *               {@code dsrctl --json}; null when the command has none (failures)
 */
public record AdminReply(boolean ok, String output, String error, Object data) {
    public static AdminReply ok(String output) {
        return new AdminReply(true, output, null, null);
    }

    /** Success with both forms: {@code output} for people, {@code data} for scripts. */
    public static AdminReply ok(String output, Object data) {
        return new AdminReply(true, output, null, data);
    }

    public static AdminReply error(String error) {
        return new AdminReply(false, "", error, null);
    }

    /** The wire form, without the trailing newline. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok);
        if (ok) {
            m.put("output", output);
            if (data != null) {
                m.put("data", data);
            }
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
        return ok ? ok(String.valueOf(m.get("output")), m.get("data")) : error(String.valueOf(m.get("error")));
    }
}
