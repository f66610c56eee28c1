/* version: xkvm's version string, fixed at build time from the VERSION file
 * (plus "+gHASH" when built from a git checkout; see the Makefile). */
#ifndef XKVM_VERSION_H
#define XKVM_VERSION_H

/* Returns the version, e.g. "0.9.0" or "0.9.0+g1a2b3c4d5e6f" (static
 * storage, never NULL). */
const char *xkvm_version(void);

#endif
