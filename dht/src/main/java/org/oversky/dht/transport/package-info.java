/**
 * How a node's requests travel: the {@link org.oversky.dht.transport.Transport} contract, and
 * {@link org.oversky.dht.transport.HttpTransport}, signed JSON posted to {@code /dht/v1/<rpc>}.
 */
package org.oversky.dht.transport;
