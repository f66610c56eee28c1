#include "net/capture.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#define SNAPLEN 262144

struct dump_state {
	pcap_dumper_t *d;
	long n;
};

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct dump_state *st = (struct dump_state *)arg;

	pcap_dump((u_char *)st->d, h, bytes);
	st->n++;
}

int capture_run(const char *ifname, int ifindex, const char *file, long count, int stop_fd,
		long *written, char *why, size_t whysize)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct dump_state st = { NULL, 0 };
	pcap_t *p = NULL;
	int ret = -EIO, r, fd;

	*written = 0;
	p = pcap_create(ifname, errbuf);
	if (!p) {
		snprintf(why, whysize, "%s", errbuf);
		return -EIO;
	}
	pcap_set_snaplen(p, SNAPLEN);
	pcap_set_promisc(p, 0);		/* a tap sees its guest's frames anyway */
	pcap_set_timeout(p, 100);
	pcap_set_immediate_mode(p, 1);
	r = pcap_activate(p);
	if (r < 0) {
		snprintf(why, whysize, "%s", pcap_geterr(p));
		ret = r == PCAP_ERROR_PERM_DENIED ? -EPERM
		    : r == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV : -EIO;
		goto out;
	}
	/* libpcap bound to whatever bore the name when it activated: the
	 * link checked must still bear it now (an index is never reused
	 * soon). */
	if (ifindex > 0 && (int)if_nametoindex(ifname) != ifindex) {
		snprintf(why, whysize, "the tap changed while the capture started");
		ret = -ESTALE;
		goto out;
	}
	if (pcap_setnonblock(p, 1, errbuf) < 0) {
		snprintf(why, whysize, "%s", errbuf);
		goto out;
	}
	st.d = pcap_dump_open(p, file);
	if (!st.d) {
		snprintf(why, whysize, "%s", pcap_geterr(p));
		goto out;
	}
	fd = pcap_get_selectable_fd(p);
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
		};
		long left = count ? count - st.n : -1;

		if (count && left <= 0)
			break;
		r = pcap_dispatch(p, count ? (int)(left > 1000 ? 1000 : left) : -1, on_packet,
				  (u_char *)&st);
		if (r < 0) {
			snprintf(why, whysize, "%s", pcap_geterr(p));
			goto out;
		}
		if (pcap_dump_flush(st.d) < 0) {	/* the reader went away */
			snprintf(why, whysize, "cannot write the pcap: %s", strerror(errno));
			goto out;
		}
		if (r > 0)
			continue;
		if (poll(fds, stop_fd >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR) {
			snprintf(why, whysize, "poll: %s", strerror(errno));
			goto out;
		}
		if (stop_fd >= 0 && fds[1].revents)
			break;
	}
	ret = 0;
out:
	if (st.d) {
		pcap_dump_flush(st.d);
		pcap_dump_close(st.d);
	}
	*written = st.n;
	pcap_close(p);
	return ret;
}
