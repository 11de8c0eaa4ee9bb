/* User address spaces: 39-bit, 4 KiB granule, level-1 root (the VSpace object),
 * level-2/3 tables taken from the boot spec's page-table pool. Built once at boot.
 * At EL1 they are stage-1 tables (TTBR0_EL1, ASID-tagged). At EL2 (MK_EL2) the same
 * tables hold stage-2 descriptors (VTTBR_EL2, VMID-tagged) and stage 1 is off for
 * native threads: their addresses are guest-physical addresses, translated once. */
#include "kernel.h"

#define PTE_VALID (1ull << 0)
#define PTE_TABLE (1ull << 1)     /* level 1/2: table; level 3: page */
#define PTE_SH_INNER (3ull << 8)
#define PTE_AF (1ull << 10)
#define PTE_ADDR_MASK 0x0000FFFFFFFFF000ull
#ifdef MK_EL2
#define PTE_ATTR_DEVICE (1ull << 2)   /* MemAttr: device nGnRE */
#define PTE_ATTR_NORMAL (15ull << 2)  /* MemAttr: normal, write-back inner and outer */
#define PTE_READ (1ull << 6)          /* S2AP */
#define PTE_WRITE (1ull << 7)
#define PTE_XN (1ull << 54)           /* no instruction fetch at EL1 or EL0 */
#define PTE_COMMON (PTE_VALID | PTE_AF | PTE_READ)
#define pte_writable(e) (((e) & PTE_WRITE) != 0)
#else
#define PTE_ATTR_DEVICE (0ull << 2)   /* MAIR index 0 */
#define PTE_ATTR_NORMAL (1ull << 2)   /* MAIR index 1 */
#define PTE_AP_EL0 (1ull << 6)
#define PTE_AP_RO (1ull << 7)
#define PTE_NG (1ull << 11)           /* non-global: tagged with the ASID */
#define PTE_PXN (1ull << 53)
#define PTE_XN (1ull << 54)           /* UXN */
#define PTE_COMMON (PTE_VALID | PTE_AF | PTE_NG | PTE_AP_EL0 | PTE_PXN)
#define pte_writable(e) (((e) & PTE_AP_RO) == 0)
#endif

/* Returns the entry for vaddr at level_wanted (2: 2 MiB block, 3: 4 KiB page),
 * creating intermediate tables when asked; NULL when the pool is empty or a
 * block is in the way. */
word_t *vspace_slot(word_t *root, word_t vaddr, int level_wanted, bool create)
{
    word_t *table = root;
    for (int level = 1; level < level_wanted; level++) {
        int shift = 39 - 9 * level;
        word_t *e = &table[(vaddr >> shift) & 511];
        if (!(*e & PTE_VALID)) {
            if (!create)
                return NULL;
            void *t = pt_pool_take();
            if (!t)
                return NULL;
            *e = KVA_TO_PA(t) | PTE_VALID | PTE_TABLE;
        } else if (!(*e & PTE_TABLE)) {
            return NULL;
        }
        table = PA_TO_KVA(*e & PTE_ADDR_MASK);
    }
    return &table[(vaddr >> (39 - 9 * level_wanted)) & 511];
}

/* 0 on success, else a reason code (1 no table, 2 already mapped). */
int vspace_map(word_t *root, word_t vaddr, word_t paddr, int size_bits, uint8_t rights,
               bool device)
{
    int level = size_bits == 21 ? 2 : 3;
    word_t *e = vspace_slot(root, vaddr, level, true);
    if (!e)
        return 1;
    if (*e & PTE_VALID)
        return 2;
    word_t pte = paddr | PTE_COMMON;
    pte |= level == 3 ? PTE_TABLE : 0;
    pte |= device ? PTE_ATTR_DEVICE : (PTE_ATTR_NORMAL | PTE_SH_INNER);
#ifdef MK_EL2
    if (rights & BS_MAP_WRITE)
        pte |= PTE_WRITE;
#else
    if (!(rights & BS_MAP_WRITE))
        pte |= PTE_AP_RO;
#endif
    if (!(rights & BS_MAP_EXECUTE) || device)
        pte |= PTE_XN;
    *e = pte;
    return 0;
}

/* The kernel address of the byte at user address `vaddr` in the running thread's
 * VSpace (the one TTBR0 holds while the kernel serves its system call), or NULL when
 * the thread could not read that byte itself or it is not RAM. The MMU answers
 * (AT S1E0R: an EL0 read, which never faults; at EL2 AT S12E0R, through stage 2)
 * and the byte is then reached through the kernel's linear map of RAM: the kernel
 * never dereferences a user address. */
const uint8_t *user_readable_byte(word_t vaddr)
{
    word_t par;
    if (vaddr >> USER_VADDR_BITS)   /* TTBR1's half (at EL2: beyond the IPA size) */
        return NULL;
#ifdef MK_EL2
    __asm__ volatile("at s12e0r, %1; isb; mrs %0, par_el1" : "=r"(par) : "r"(vaddr));
#else
    __asm__ volatile("at s1e0r, %1; isb; mrs %0, par_el1" : "=r"(par) : "r"(vaddr));
#endif
    if (par & 1)       /* PAR_EL1.F: the translation or the permission check failed */
        return NULL;
    word_t pa = (par & PTE_ADDR_MASK) | (vaddr & 0xFFF);
    word_t base = PLAT_RAM_BASE;   /* may be 0: compare as variables */
    if (pa < base || pa - base >= PLAT_RAM_SIZE)
        return NULL;   /* a device frame: reading it could have side effects */
    return PA_TO_KVA(pa);
}

word_t arch_vspace_lookup(word_t *root, word_t vaddr, unsigned size_bits, bool *writable)
{
    word_t *e = vspace_slot(root, vaddr, size_bits == 21 ? 2 : 3, false);
    /* level 2 must hold a block (bit 1 clear), level 3 a page (bit 1 set) */
    if (!e || !(*e & PTE_VALID) || !(*e & PTE_TABLE) != (size_bits == 21))
        return ~0ull;
    *writable = pte_writable(*e);
    return (*e & PTE_ADDR_MASK) & ~((1ull << size_bits) - 1);
}
