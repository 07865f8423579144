/**
 * The node's place in the DHT ({@link org.oversky.gateway.dht.DhtService}): the {@code /dht/v1/}
 * endpoint, the hosts API, announcing stored bodies, and {@code /key/} for bodies held elsewhere
 * (redirect, or a verified copy).
 */
package org.oversky.gateway.dht;
