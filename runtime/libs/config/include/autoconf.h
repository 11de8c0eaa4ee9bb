/* Build configuration seen by component code, as <autoconf.h> in a CAmkES build.
 *
 * Only facts about mkbuild's own kernel and runtime appear here; a CONFIG_ option
 * of seL4 or CAmkES that mkbuild does not have is left undefined, so code that
 * tests it with #ifdef takes its "feature off" path. */
#ifndef AUTOCONF_H
#define AUTOCONF_H

#if defined(__aarch64__)
#define CONFIG_ARCH_AARCH64 1
#define CONFIG_ARCH_ARM 1
#define CONFIG_WORD_SIZE 64
#endif

/* One core: the kernel schedules on the boot CPU only. */
#define CONFIG_MAX_NUM_NODES 1

#endif
