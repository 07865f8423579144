/**
 * Thousands of {@link org.oversky.dht.node.DhtNode}s in one JVM over an in-memory transport with
 * latency, loss and silent nodes ({@link org.oversky.dht.sim.SimNetwork}), and the lookup
 * experiment run on it ({@link org.oversky.dht.sim.Simulation}, bench/dht-sim.sh).
 */
package org.oversky.dht.sim;
