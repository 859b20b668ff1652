/**
 * The gateway's Linux side: the ingress TUN device and its VIP routes, /32 and /128
 * ({@link io.dsrgw.gateway.linux.TunIngress}, configured through the {@code ip} command), and the per-queue
 * worker threads ({@link io.dsrgw.gateway.linux.TunWorker}) that move packets from a TUN queue through the
 * pipeline into raw sockets (one per family). System calls themselves live in the {@code io.dsrgw.linux} module.
 *
 * <p>Threading: a {@code TunIngress} is created and closed by the main thread; each {@code TunWorker} runs on its
 * own dedicated thread and owns everything it touches per packet.
 */
package io.dsrgw.gateway.linux;
