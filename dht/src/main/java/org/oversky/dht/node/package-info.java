/**
 * One Kademlia node ({@link org.oversky.dht.node.DhtNode}): answering the RPCs, iterative lookups,
 * provider announcements, value records and maintenance, over any {@link
 * org.oversky.dht.transport.Transport}; its parameters ({@link org.oversky.dht.node.DhtConfig})
 * and the saved routing table ({@link org.oversky.dht.node.ContactsFile}).
 */
package org.oversky.dht.node;
