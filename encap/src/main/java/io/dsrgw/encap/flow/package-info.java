/**
 * Flow keys and the keyed flow hash. {@link io.dsrgw.encap.flow.FlowKey} and
 * {@link io.dsrgw.encap.flow.FlowKeyExtractor} are mutable and owned by one worker thread;
 * {@link io.dsrgw.encap.flow.FlowHash} is immutable and may be shared. Extraction and hashing allocate
 * nothing and never throw.
 */
package io.dsrgw.encap.flow;
