/**
 * The TUN data plane: the default ingress, and the slow path behind an XDP program (DESIGN.md decision 13). The
 * ingress TUN device and its VIP routes, /32 and /128 ({@link io.dsrgw.gateway.dataplane.tun.TunIngress},
 * configured through the {@code ip} command), and the per-queue worker threads
 * ({@link io.dsrgw.gateway.dataplane.tun.TunWorker}) that move packets from a TUN queue through the shared
 * {@link io.dsrgw.gateway.dataplane.PacketPipeline} into raw sockets (one per family). System calls themselves live
 * in the {@code io.dsrgw.linux} module.
 *
 * <p>Threading: a {@code TunIngress} is created and closed by the main thread; each {@code TunWorker} runs on its
 * own dedicated thread and owns everything it touches per packet (buffers, pipeline, flow table, counters). Other
 * threads reach a worker only through the snapshot holder (read once per batch) and its published counters. A
 * worker thread switches itself to SCHED_FIFO after its first 2 s of traffic (see {@code TunWorker}: it must run
 * before the kernel work feeding its queue), so it sleeps in poll(2) whenever its queue is empty. With
 * {@code ingress.new-flow-queue} a worker owns three queues (established, new flows, known sources' new flows), which
 * the steering BPF program ({@link io.dsrgw.gateway.dataplane.tun.TunSteering}, attached by the ingress before the
 * device goes up) fills; it reads all three on its own thread, new flows last.
 */
package io.dsrgw.gateway.dataplane.tun;
