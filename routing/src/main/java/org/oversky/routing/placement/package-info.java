/** Where the copies of a content key belong: rendezvous hashing over regions, then over nodes. */
package org.oversky.routing.placement;
