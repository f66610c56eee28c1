/* netspec: one --netdev NETDEV spec, parsed into a NIC record (base/nic.h)
 * and its tokens for qemu split between -device and -netdev.
 *
 * Grammar (the reference's, plus xkvm's tokens): see nic_parse().  A token
 * that is not xkvm's goes to -device when the model accepts it (see
 * devopts.h) and to -netdev otherwise. */
#ifndef XKVM_NETSPEC_H
#define XKVM_NETSPEC_H

#include "base/nic.h"

struct devopts;

/* Parses 'spec' (the --netdev argument) of NIC number 'index' with the
 * default model 'def_model' into 'n': nic_parse() keeping the tokens for
 * qemu.  The caller then owns 'n' (nic_release()).  Resolves the MAC
 * (mac=random draws it now).  Does not classify tokens: see netspec_classify().
 * Returns 0, or -EINVAL with *err set to a one-line message naming the bad
 * token and the spec (caller frees; no "xkvm: " prefix), or -ENOMEM (*err
 * NULL).  On error 'n' holds nothing to free. */
int netspec_parse(const char *spec, unsigned index, const char *def_model,
		  struct nic *n, char **err);

/* Splits n->tokens into n->devopts / n->netopts with the isdevopt probe
 * 'd', then adds the -device options xkvm's tokens imply where the model
 * has them and the user did not give them: host_mtu=N for mtu=N, and
 * mq=on,vectors=2N+2 for queues=N >= 2 on a tap.  Returns 0, the probe's
 * -errno with *err set (caller frees), or -ENOMEM with *err NULL.  On failure the tokens classified so far stay
 * in 'n' (nic_release() frees them). */
int netspec_classify(struct nic *n, struct devopts *d, char **err);

#endif
