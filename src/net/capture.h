/* capture: a tap's traffic into a pcap file through libpcap, for
 * `xkvm ctl NAME capture` (readable by tcpdump -r and Wireshark).
 * Library style: returns 0 or -errno, never prints; libpcap's text for a
 * failure goes into 'why'. */
#ifndef XKVM_NET_CAPTURE_H
#define XKVM_NET_CAPTURE_H

#include <stddef.h>

/* Captures on interface 'ifname' (both directions) into 'file' ("-":
 * stdout), flushing after every batch, until 'count' packets (0: no
 * limit) or until 'stop_fd' (>= 0, e.g. the cleanup self-pipe) becomes
 * readable.  With 'ifindex' > 0 the interface bound must be that link
 * (checked before any packet is read).  Stores the number of packets
 * written in *written.  Returns 0, -EPERM without CAP_NET_RAW, -ENODEV,
 * -ESTALE (another link bears the name), or -EIO (why says what, a write
 * error of the pcap included). */
int capture_run(const char *ifname, int ifindex, const char *file, long count, int stop_fd,
		long *written, char *why, size_t whysize);

#endif
