/**
 * Real-kernel tests in a qemu VM: a stock Debian kernel ({@link io.dsrgw.harness.vm.KernelImage}, downloaded with
 * {@code apt-get download}, never installed on the host), a small initramfs
 * ({@link io.dsrgw.harness.vm.Initramfs}: busybox, iproute2, nft, bash, the tunnel/virtio/9p/nftables modules in
 * dependency order), a VM booted directly from the ELF {@code vmlinux} on a tap inside a test namespace
 * ({@link io.dsrgw.harness.vm.Vm}) with a command channel that returns exit code and output, and the lab that
 * puts the real gateway in front of it ({@link io.dsrgw.harness.vm.KernelLab}). See
 * {@code ../shared/recipes/vm-kernel-test/README.md} for the measured facts behind every choice.
 *
 * <p>Threading: a {@link io.dsrgw.harness.vm.Vm} and a {@link io.dsrgw.harness.vm.KernelLab} are driven by one
 * thread (the test); their {@code close()} may also run from the JVM shutdown hook and is idempotent. Control-plane
 * code only: it forks processes and allocates freely.
 */
package io.dsrgw.harness.vm;
