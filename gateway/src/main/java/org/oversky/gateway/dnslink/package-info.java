/**
 * DNSLink-style hosts: a host whose {@code _dnslink} TXT record names a content key is served from
 * that key, so a site root can be published by changing one DNS record.
 */
package org.oversky.gateway.dnslink;
