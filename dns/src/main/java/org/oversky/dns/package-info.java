/** Authoritative DNS for the CDN's zone: {@link org.oversky.dns.Responder} decides each answer, {@link org.oversky.dns.DnsServer} carries it over UDP and TCP. */
package org.oversky.dns;
