#ifndef VERSION_H
#define VERSION_H
/* costctl's version: in --version, the User-Agent and every calculation. */
#define COSTCTL_VERSION "0.1.0"
#endif
