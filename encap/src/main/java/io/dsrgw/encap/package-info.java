/**
 * Packet formats and pure packet transformations for dsrgw: no I/O (apart from pcap files), no threads.
 *
 * <p>Threading contract: every class in this module is either immutable and thread-safe (constants,
 * {@link io.dsrgw.encap.flow.FlowHash}, the static encapsulators and checksum functions) or a reusable,
 * mutable object owned by exactly one thread (flyweights, {@link io.dsrgw.encap.flow.FlowKey},
 * {@link io.dsrgw.encap.flow.FlowKeyExtractor}, decapsulators and their results, pcap readers/writers).
 *
 * <p>Hot-path contract: flyweight accessors, flow-key extraction, flow hashing, encapsulation and
 * decapsulation allocate nothing and never throw for any input bytes; malformed packets are reported as a
 * {@link io.dsrgw.encap.PacketError}. All multi-byte wire fields are read and written in network byte order
 * (big-endian) at {@code long} byte offsets into a {@link java.lang.foreign.MemorySegment}.
 */
package io.dsrgw.encap;
