/**
 * Keeping a name's address records current in an authoritative server the operator already runs:
 * RFC 2136 UPDATE messages signed with TSIG (RFC 8945), the key read from a BIND key file.
 */
package org.oversky.dns.update;
