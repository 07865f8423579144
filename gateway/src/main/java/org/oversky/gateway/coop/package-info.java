/**
 * Cooperative caching ({@link org.oversky.gateway.coop.Cooperation}): the nodes of a site cluster
 * publish signed URL records of what they store and fill each other's misses before the origin;
 * who is trusted for a site, and the record format.
 */
package org.oversky.gateway.coop;
