package org.oversky.dht.node;

/**
 * A DHT node's figures at one moment, for the status page and metrics.
 *
 * @param tableSize contacts in the routing table
 * @param buckets buckets in the routing table
 * @param providerRecords provider records held for other nodes
 * @param valueRecords value records held for other nodes
 * @param provided content keys this node announces
 * @param lookups lookups finished
 * @param rpcSent requests sent
 * @param rpcFailed requests sent that got no usable answer
 * @param rpcReceived requests received and answered
 * @param rpcRejected requests received and refused
 * @param lookupsSkipped node lookups not made before a publication, the network being smaller than
 *     k and known whole
 */
public record DhtStats(
    int tableSize,
    int buckets,
    int providerRecords,
    int valueRecords,
    int provided,
    long lookups,
    long rpcSent,
    long rpcFailed,
    long rpcReceived,
    long rpcRejected,
    long lookupsSkipped) {}
