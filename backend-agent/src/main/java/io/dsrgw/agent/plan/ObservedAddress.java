package io.dsrgw.agent.plan;

/**
 * An address as {@code ip -j addr show} reports it.
 *
 * @param device       device name
 * @param family       {@code inet} or {@code inet6}
 * @param address      canonical literal ({@code 10.100.0.1})
 * @param prefixLength prefix length
 * @param label        IPv4 label, null when none is reported
 */
public record ObservedAddress(String device, String family, String address, int prefixLength, String label) {
}
