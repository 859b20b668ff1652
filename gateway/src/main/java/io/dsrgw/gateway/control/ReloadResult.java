package io.dsrgw.gateway.control;

import io.dsrgw.conf.ConfigDiff;

import java.util.List;

/**
 * Outcome of one reload.
 *
 * @param applied    true when the new config is running (or equal to the running one)
 * @param diff       what changed (null when the file was rejected)
 * @param errors     every reason of a rejection, each "file:line path: value (expected: ...)" where conf knows the
 *                   line; empty when applied
 * @param generation the snapshot generation running afterwards
 * @param restartNeeded settings that changed but only take effect after a restart (ingress, batch-size, admin)
 */
public record ReloadResult(boolean applied, ConfigDiff diff, List<String> errors, long generation,
                           List<String> restartNeeded) {
    public ReloadResult {
        errors = List.copyOf(errors);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** One line for logs and the admin surface, e.g. "reloaded (generation 4): vips added [api], ...". */
    public String summary() {
        if (!applied) {
            return "reload rejected, running config kept (" + errors.size() + " error(s)):\n  "
                    + String.join("\n  ", errors);
        }
        return "reloaded (generation " + generation + "): " + diff
                + (restartNeeded.isEmpty() ? "" : "; needs a restart to apply " + restartNeeded);
    }
}
