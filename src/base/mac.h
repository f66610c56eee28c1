/* mac: MAC addresses as the reference's padmac/randmac build them. */
#ifndef XKVM_MAC_H
#define XKVM_MAC_H

#define MAC_STRLEN 18		/* "xx:xx:xx:xx:xx:xx" + NUL */
#define MAC_PREFIX "52:54:00:12:34"

/* Completes a full or partial MAC: 'partial' gives the LAST 1..6 octets
 * (1 or 2 hex digits each, ':'-separated, one optional leading ':'); the
 * missing leading octets come from MAC_PREFIX.  An empty 'partial' stands
 * for the octet 'index' ("%02x").  Writes the lower-case result to 'out'.
 * Returns 0, or -EINVAL for anything else (bad digits, empty octets, more
 * than six octets, an index over 0xff); 'out' is untouched then. */
int mac_pad(const char *partial, unsigned index, char out[MAC_STRLEN]);

/* Writes MAC_PREFIX's first three octets plus three random ones (the
 * reference's randmac).  Returns 0 or -errno when no randomness is
 * available. */
int mac_random(char out[MAC_STRLEN]);

#endif
