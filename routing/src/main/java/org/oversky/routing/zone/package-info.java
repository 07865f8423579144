/**
 * Coverage zones: which region a client address belongs to, from a map of network prefixes in
 * Apache Traffic Control's coverage-zone format.
 */
package org.oversky.routing.zone;
