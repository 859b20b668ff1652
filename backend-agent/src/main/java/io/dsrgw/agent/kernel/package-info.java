/**
 * Kernel mode: which tunnel kinds the running kernel can decapsulate ({@link io.dsrgw.agent.kernel.KernelProbe}),
 * the mode decision per kind ({@link io.dsrgw.agent.kernel.DecapModes}), the local tunnel addresses
 * ({@link io.dsrgw.agent.kernel.LocalAddresses}) and the Windows instructions
 * ({@link io.dsrgw.agent.kernel.WindowsPlan}). Control plane only: called from the CLI's thread, never per packet.
 */
package io.dsrgw.agent.kernel;
