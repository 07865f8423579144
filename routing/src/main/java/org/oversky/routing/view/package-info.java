/**
 * The cluster view: what one node has seen of the others (up, down, joining; their regions), as
 * values updated by one pure function per observation.
 */
package org.oversky.routing.view;
