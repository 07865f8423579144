package org.oversky.routing.view;

/** Where a node stands in one observer's view. */
public enum NodeState {
  /** Known, not yet answered enough probes in a row to be routed to. */
  JOINING,
  /** Answering: routed to. */
  UP,
  /** Missed enough probes in a row: not routed to until it answers enough in a row again. */
  DOWN
}
