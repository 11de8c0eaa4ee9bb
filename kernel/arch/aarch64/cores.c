/* Starting the secondary cores, the way the exception level the kernel was entered at
 * allows (docs/kernel.md "Several cores"): below EL3 the firmware (or QEMU) parks them
 * and PSCI CPU_ON starts them, through HVC when the kernel was entered at EL1 on a
 * board whose PSCI lives in a hypervisor (QEMU virt), through SMC otherwise; entered at
 * EL3 there is no PSCI, and the board's own release mechanism is used. */
#include "kernel.h"

#define PSCI_CPU_ON 0xC4000003u

static long psci_cpu_on(word_t target, word_t entry, bool hvc)
{
    register word_t x0 __asm__("x0") = PSCI_CPU_ON;
    register word_t x1 __asm__("x1") = target;
    register word_t x2 __asm__("x2") = entry;
    register word_t x3 __asm__("x3") = target;   /* context id (unused) */
    if (hvc)
        __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    else
        __asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    return (long)x0;
}

#if defined(PLAT_CORES_EL3_ZYNQMP)
/* ZynqMP at EL3: each A53's reset vector in APU_CTRL RVBARADDRn, then its reset (and
 * power-on reset) bits in CRF_APB RST_FPD_APU cleared. */
#define APU_RVBAR_LO(n) ((volatile uint32_t *)PA_TO_KVA(0xFD5C0040u + 8u * (n)))
#define APU_RVBAR_HI(n) ((volatile uint32_t *)PA_TO_KVA(0xFD5C0044u + 8u * (n)))
#define RST_FPD_APU ((volatile uint32_t *)PA_TO_KVA(0xFD1A0104u))

static void release_at_el3(word_t entry, unsigned cores)
{
    for (unsigned n = 1; n < cores; n++) {
        *APU_RVBAR_LO(n) = (uint32_t)entry;
        *APU_RVBAR_HI(n) = (uint32_t)(entry >> 32);
        __asm__ volatile("dsb sy" ::: "memory");
        *RST_FPD_APU &= ~((1u << n) | (1u << (10 + n)));
    }
}
#else
/* Every core started at _start with the primary and waits there, MMU off: the flag goes
 * to memory (cleaned past the caches) and an event wakes them. */
static void release_at_el3(word_t entry, unsigned cores)
{
    (void)entry;
    (void)cores;
    secondary_release = 1;
    __asm__ volatile("dc civac, %0; dsb sy; sev" : : "r"(&secondary_release) : "memory");
}
#endif

unsigned arch_start_cores(unsigned cores)
{
    word_t entry = KVA_TO_PA(secondary_entry);
    if (boot_entry_el == 3) {
        release_at_el3(entry, cores);
        return cores;
    }
#if defined(PLAT_PSCI_EL1_HVC)
    bool hvc = boot_entry_el == 1;
#else
    bool hvc = false;
#endif
    unsigned started = 1;
    for (unsigned n = 1; n < cores; n++) {
        long r = psci_cpu_on(n, entry, hvc);
        if (r == 0)
            started++;
        else
            kprintf("mk: core %u not started (PSCI CPU_ON: %ld)\n", n, r);
    }
    return started;
}
