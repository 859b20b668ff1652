package io.dsrgw.gateway.cli;

import io.dsrgw.conf.CheckConfig;
import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.control.LinkLayerBackends;
import io.dsrgw.gateway.control.SnapshotFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dsr-gateway check-config FILE}: conf's schema validation, plus what this gateway cannot forward yet
 * (IPv6, GRE), so that a config which passes here also starts.
 */
final class CheckConfigCommand {
    private CheckConfigCommand() {
    }

    static int check(String file, PrintStream out, PrintStream err) {
        Path path = Path.of(file);
        GatewayConfig config;
        try {
            config = ConfigLoader.loadGateway(path);
        } catch (ConfigException e) {
            return CheckConfig.checkGateway(path, out, err); // prints every error in conf's format
        }
        try {
            SnapshotFactory.fromConfig(config, 0);
        } catch (SnapshotFactory.SnapshotException e) {
            for (String problem : e.problems()) {
                err.println(file + ": " + problem);
            }
            return GatewayMain.EXIT_ERROR;
        }
        return check(file, path, config, LinkLayerBackends.KERNEL, out, err);
    }

    /** The checks that depend on this host (L2 DSR backends on a connected network), then conf's report. */
    static int check(String file, Path path, GatewayConfig config, LinkLayerBackends.OnLink onLink, PrintStream out,
                     PrintStream err) {
        List<String> host = LinkLayerBackends.problems(config, onLink);
        if (!host.isEmpty()) {
            for (String problem : host) {
                err.println(file + ": " + problem);
            }
            return GatewayMain.EXIT_ERROR;
        }
        return CheckConfig.checkGateway(path, out, err);
    }
}
