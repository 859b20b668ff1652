/**
 * Linux system calls for dsrgw through {@code java.lang.foreign}: TUN queues, raw IP sockets, sendmmsg/recvmmsg
 * batches, batched TUN reads through io_uring, poll, the calling thread's scheduling policy, sysctl, interface
 * look-ups and capability probes. JDK only; no JNI.
 *
 * <p>Threading contract: errno is captured per thread, so every call may be made from any thread. Objects that
 * own native buffers ({@link io.dsrgw.linux.SendBatch}, {@link io.dsrgw.linux.ReceiveBatch},
 * {@link io.dsrgw.linux.TunReadBatch}, the send path of
 * {@link io.dsrgw.linux.RawSocket}) belong to one thread at a time. {@code close()} must not race with I/O on the
 * same object: stop the worker, then close. Data-path methods ({@code read}, {@code write}, {@code tryRead},
 * {@code receive}, {@code send*}, {@code add*}, {@code flush}) allocate nothing once C2 has compiled them
 * (interpreted, a downcall allocates ~50 bytes) and throw only for programming errors (heap segment, out of
 * bounds, closed arena) or, in the throwing variants, unexpected errno values; the {@code try*} variants return
 * {@code -errno} instead.
 *
 * <p>Constants cite the header they come from; struct layouts are in {@code Structs} (LP64: x86_64, aarch64).
 */
package io.dsrgw.linux;
