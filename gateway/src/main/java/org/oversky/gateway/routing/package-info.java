/** The node's side of request routing: its region and the coverage zones it was started with. */
package org.oversky.gateway.routing;
