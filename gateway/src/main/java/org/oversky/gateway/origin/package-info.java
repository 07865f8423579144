/** A site's origins: which one a request asks first, failover to the next, and passive outlier ejection. */
package org.oversky.gateway.origin;
