/**
 * BPF for dsrgw's XDP control plane: a small binding over libbpf 1.1 (Debian 12's {@code libbpf1},
 * {@code libbpf.so.1}) through {@code java.lang.foreign}. libbpf does the ELF and BTF parsing, relocations, map
 * creation and program loading; this package adds types, error messages and life cycles.
 *
 * <ul>
 *   <li>{@link io.dsrgw.linux.bpf.Bpf}: the capability probe ({@code isAvailable()},
 *       {@code unavailabilityCause()}).</li>
 *   <li>{@link io.dsrgw.linux.bpf.BpfObject}: open an ELF object from bytes, size maps, load, find maps and
 *       programs; a load failure carries libbpf's messages and the verifier log's end.</li>
 *   <li>{@link io.dsrgw.linux.bpf.BpfMap}: element lookup, update, delete, iteration and per-CPU sums on
 *       caller-owned segments; map creation for inner maps of maps of maps.</li>
 *   <li>{@link io.dsrgw.linux.bpf.BpfProgram}: {@code BPF_PROG_TEST_RUN} of a program on a packet.</li>
 *   <li>{@link io.dsrgw.linux.bpf.XdpLink}: attach to an interface with a BPF link (detached on close or process
 *       death).</li>
 * </ul>
 *
 * <p>Threading contract: {@link io.dsrgw.linux.bpf.BpfObject} and {@link io.dsrgw.linux.bpf.XdpLink} methods are
 * synchronized control-path calls and may come from any thread. {@link io.dsrgw.linux.bpf.BpfMap} element calls
 * and {@link io.dsrgw.linux.bpf.BpfProgram#testRun} may run concurrently from any threads, each with its own key
 * and value segments; they allocate nothing once compiled (except {@code testRun} and {@code setInnerMap}, which
 * are not for the per-second path). Closing an object, map or link must not race with calls on it: stop the users,
 * then close; afterwards calls throw {@link java.lang.IllegalStateException}.
 *
 * <p>libbpf's print callback is process-wide: this package installs its own on first use; messages of a thread
 * opening or loading an object go into that call's exception, all others to the {@link java.lang.System.Logger}
 * {@code io.dsrgw.linux.bpf.libbpf}.
 *
 * <p>Errors: {@link io.dsrgw.linux.LinuxException} with libbpf's {@code -errno}, e.g.
 * {@code "bpf_map_update_elem(dsrgw_vips): E2BIG (Argument list too long): the map is full (max_entries 64)"};
 * programming errors (heap or too short segments, closed objects) are unchecked. Struct layouts are those of
 * libbpf 1.1 on LP64 (x86_64, aarch64), each cited where it is used.
 */
package io.dsrgw.linux.bpf;
