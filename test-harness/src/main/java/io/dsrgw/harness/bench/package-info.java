/**
 * JMH benchmarks of the gateway's hot path. Not run by the build: see {@link
 * io.dsrgw.harness.bench.PipelineBenchmark} for how to run them. Each benchmark state belongs to one JMH thread.
 */
package io.dsrgw.harness.bench;
