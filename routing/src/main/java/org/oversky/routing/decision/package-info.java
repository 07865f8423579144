/**
 * The routing decision: one pure function from a client's region, a routing key and the nodes
 * that are up to the ordered nodes to send the client to, each with the reason it was chosen.
 */
package org.oversky.routing.decision;
