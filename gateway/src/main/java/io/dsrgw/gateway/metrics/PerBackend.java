package io.dsrgw.gateway.metrics;

/**
 * A per-backend total by stable backend id ({@link io.dsrgw.gateway.dataplane.BackendIds}), summed over the workers
 * when read (off the hot path). Registered as the value of a Dropwizard gauge ({@link #PACKETS}, {@link #BYTES},
 * {@link #FLOWS}) so that the exporter finds it in the registry the gateway already passes around.
 */
@FunctionalInterface
public interface PerBackend {
    /** Gauge name of the packets forwarded per backend. */
    String PACKETS = "backend_packets";
    /** Gauge name of the inner bytes forwarded per backend. */
    String BYTES = "backend_bytes";
    /** Gauge name of the live flow-table entries per backend. */
    String FLOWS = "backend_flows";

    /** The total of backend {@code id} (0 when the id has never been counted). */
    long get(int id);
}
