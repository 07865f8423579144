/** Copies of registered bodies on several nodes over several regions, placed and repaired. */
package org.oversky.gateway.replica;
