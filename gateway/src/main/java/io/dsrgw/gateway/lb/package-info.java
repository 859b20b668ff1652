/**
 * Load balancing: weighted Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI 2016, section 3.4).
 *
 * <p>Threading: everything here is a pure function of its arguments and runs on the control plane; results
 * ({@link io.dsrgw.gateway.lb.MaglevTable}) are immutable and may be shared by any number of threads.
 */
package io.dsrgw.gateway.lb;
