package io.dsrgw.gateway.cli;

import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.control.SnapshotFactory;

import java.io.PrintStream;
import java.nio.file.Path;

/** Loading shared by run and replay: config -> snapshot, errors printed in one place. */
final class Startup {
    private Startup() {
    }

    /** The loaded config and its first snapshot. */
    record Loaded(GatewayConfig config, ForwardingSnapshot snapshot) {
    }

    /** Loads and builds; on error prints every problem to {@code err} and returns null (exit code 1). */
    static Loaded load(String file, PrintStream err) {
        GatewayConfig config;
        try {
            config = ConfigLoader.loadGateway(Path.of(file));
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return null;
        }
        try {
            return new Loaded(config, SnapshotFactory.fromConfig(config, 1));
        } catch (SnapshotFactory.SnapshotException e) {
            for (String problem : e.problems()) {
                err.println(file + ": " + problem);
            }
            return null;
        }
    }
}
