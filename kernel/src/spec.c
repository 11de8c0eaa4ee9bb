/* Boot: validate the boot spec completely, then create every object it describes.
 * A bad spec is refused with a message and QEMU exit status 3; nothing is written
 * to memory the spec names before all objects have been checked. */
#include "kernel.h"

#define KERNEL_REGION_END (PLAT_KERNEL_LOAD + PLAT_KERNEL_REGION_SIZE)

static const struct bs_header *hdr;
static const struct bs_object *objs;
/* Per-object tables of the boot, not cleared with .bss (most of them is never used):
 * spec_boot zeroes the first n_objects entries of each. */
static BOOT_SCRATCH uint32_t order[MAX_OBJECTS];   /* object indices by address */
static BOOT_SCRATCH word_t order_paddr[MAX_OBJECTS];   /* their addresses, sorted with them */
static BOOT_SCRATCH uint16_t vspace_asid[MAX_OBJECTS];
static BOOT_SCRATCH uint8_t claimed[MAX_OBJECTS];   /* a TCB configured, a context or reply given */
static BOOT_SCRATCH uint8_t frame_mappings[MAX_OBJECTS];   /* how often each frame is mapped (saturating) */
static BOOT_SCRATCH uint8_t ipcbuf_users[MAX_OBJECTS];     /* threads using each frame as IPC buffer */

/* (base, size) pairs from the board file: the kernel's devices by full decode window,
 * and memory firmware or the boot loader keep (a trailing 0, 0 ends each list) */
static const word_t kernel_devices[] = {PLAT_KERNEL_DEVICES 0, 0};
static const word_t reserved_memory[] = {PLAT_RESERVED 0, 0};

/* The first range of `list` that [pa, pa + size) reaches, or NULL. */
static const word_t *reaches(const word_t *list, word_t pa, word_t size)
{
    for (; list[1]; list += 2)
        if (ranges_overlap(pa, size, list[0], list[1]))
            return list;
    return NULL;
}
static uint32_t pt_cursor;

_Noreturn static void reject(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kputs("BOOT SPEC REJECTED: ");
    kvprintf(fmt, ap);
    kputs("\n");
    va_end(ap);
    system_exit(MK_EXIT_SPEC_REJECTED);
}

static word_t obj_size(const struct bs_object *o)
{
    switch (o->type) {
    case BS_OBJ_TCB: return 1ull << BS_TCB_SIZE_BITS;
    case BS_OBJ_ENDPOINT: return 1ull << BS_ENDPOINT_SIZE_BITS;
    case BS_OBJ_NOTIFICATION: return 1ull << BS_NOTIFICATION_SIZE_BITS;
    case BS_OBJ_CNODE: return 1ull << (o->size_bits + BS_CNODE_SLOT_BITS);
    case BS_OBJ_FRAME: return 1ull << o->size_bits;
    case BS_OBJ_VSPACE: return 1ull << BS_VSPACE_SIZE_BITS;
    case BS_OBJ_PAGE_TABLE: return 1ull << BS_PAGE_TABLE_SIZE_BITS;
    case BS_OBJ_SCHED_CONTEXT: return 1ull << o->size_bits;
    case BS_OBJ_REPLY: return 1ull << BS_REPLY_SIZE_BITS;
    case BS_OBJ_VCPU: return 1ull << BS_VCPU_SIZE_BITS;
    default: return 0;
    }
}

static bool in_ram(word_t pa, word_t size)
{
    word_t base = PLAT_RAM_BASE;   /* may be 0: compare as variables */
    return pa >= base && size <= PLAT_RAM_SIZE && pa - base <= PLAT_RAM_SIZE - size;
}

static const struct bs_object *obj_of(uint32_t i, uint8_t type, const char *what, uint32_t rec)
{
    if (i >= hdr->n_objects || objs[i].type != type)
        reject("%s of record %u: object %u missing or of the wrong type", what, rec, i);
    return &objs[i];
}

/* heap sort of object indices by physical address */
/* Sorts order[0..n) by order_paddr: a natural merge sort. mkbuild writes each kind of
 * object in address order, so the spec comes in a few ascending runs, merged pairwise
 * until one is left: O(n log runs), O(n) for a sorted spec, O(n log n) for any. */
static BOOT_SCRATCH uint32_t merged_order[MAX_OBJECTS];
static BOOT_SCRATCH word_t merged_paddr[MAX_OBJECTS];

static uint32_t run_end(uint32_t i, uint32_t n)
{
    while (i + 1 < n && order_paddr[i] <= order_paddr[i + 1])
        i++;
    return i + 1;
}

static void merge(uint32_t lo, uint32_t mid, uint32_t hi)
{
    uint32_t a = lo, b = mid;
    for (uint32_t k = lo; k < hi; k++) {
        uint32_t from = b >= hi || (a < mid && order_paddr[a] <= order_paddr[b]) ? a++ : b++;
        merged_order[k] = order[from];
        merged_paddr[k] = order_paddr[from];
    }
    for (uint32_t k = lo; k < hi; k++) {
        order[k] = merged_order[k];
        order_paddr[k] = merged_paddr[k];
    }
}

static void sort_by_address(uint32_t n)
{
    for (;;) {
        uint32_t runs = 0;
        for (uint32_t lo = 0; lo < n; runs++) {
            uint32_t mid = run_end(lo, n), hi = mid < n ? run_end(mid, n) : n;
            if (mid < hi)
                merge(lo, mid, hi);
            lo = hi;
        }
        if (runs <= 1)
            return;
    }
}

static void check_header(void)
{
    if (mk_boot_params.magic != BOOT_PARAMS_MAGIC)
        reject("no boot spec in this image (boot parameters not set)");
    word_t pa = mk_boot_params.spec_paddr, size = mk_boot_params.spec_size;
    if (pa < PLAT_KERNEL_LOAD || size < sizeof(struct bs_header) || pa + size > KERNEL_REGION_END)
        reject("spec at 0x%lx size 0x%lx is not inside the kernel region", pa, size);
    hdr = PA_TO_KVA(pa);
    if (hdr->magic != BS_MAGIC || hdr->version != BS_VERSION ||
        hdr->header_size != sizeof(struct bs_header))
        reject("bad magic or version (magic 0x%x version %u)", hdr->magic, hdr->version);
    if (hdr->flags & ~BS_SPEC_FLAGS_KNOWN)
        reject("unknown header flags 0x%x", hdr->flags);
    if (hdr->total_size > size)
        reject("total size %u larger than the spec's %lu bytes", hdr->total_size, size);
    const struct { uint32_t off, n, rec; const char *name; } tables[] = {
        {hdr->objects_off, hdr->n_objects, sizeof(struct bs_object), "object"},
        {hdr->caps_off, hdr->n_caps, sizeof(struct bs_cap), "cap"},
        {hdr->mappings_off, hdr->n_mappings, sizeof(struct bs_mapping), "mapping"},
        {hdr->tcbs_off, hdr->n_tcbs, sizeof(struct bs_tcb), "tcb"},
        {hdr->irqs_off, hdr->n_irqs, sizeof(struct bs_irq), "irq"},
        {hdr->sched_contexts_off, hdr->n_sched_contexts, sizeof(struct bs_sched_context),
         "scheduling context"},
    };
    for (unsigned i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if ((word_t)tables[i].off + (word_t)tables[i].n * tables[i].rec > hdr->total_size ||
            tables[i].off % 8)
            reject("%s table runs past the end of the spec or is misaligned", tables[i].name);
    if (hdr->n_objects > MAX_OBJECTS)
        reject("%u objects, at most %u supported", hdr->n_objects, MAX_OBJECTS);
    objs = (const void *)((const char *)hdr + hdr->objects_off);
}

static void check_objects(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < hdr->n_objects; i++) {
        const struct bs_object *o = &objs[i];
        if (o->type < BS_OBJ_TCB || o->type > BS_OBJ_VCPU)
            reject("object %u has unknown type %u", i, o->type);
        if (o->type == BS_OBJ_IRQ_HANDLER) {
            if (o->irq >= intc_num_irqs())
                reject("object %u: interrupt %u does not exist", i, o->irq);
            continue;
        }
        if (o->type == BS_OBJ_SCHED_CONTROL) {
            if (o->irq >= cores_count())
                reject("object %u: SchedControl of core %u (%u cores online)", i, o->irq,
                       cores_count());
            cores_use(o->irq);
            continue;
        }
        if (o->type == BS_OBJ_SCHED_CONTEXT &&
            (o->size_bits < BS_SC_MIN_SIZE_BITS || o->size_bits > BS_SC_MAX_SIZE_BITS))
            reject("object %u: scheduling context of 2^%u bytes", i, o->size_bits);
        if (o->type == BS_OBJ_CNODE && (o->size_bits < 1 || o->size_bits > BS_MAX_CNODE_BITS))
            reject("object %u: CNode of 2^%u slots", i, o->size_bits);
        if (o->type == BS_OBJ_FRAME && o->size_bits != 12 && o->size_bits != 21)
            reject("object %u: frame size bits %u (must be 12 or 21)", i, o->size_bits);
        word_t size = obj_size(o);
        if (o->paddr & (size - 1))
            reject("object %u at 0x%lx is not aligned to its size 0x%lx", i, o->paddr, size);
        if (o->paddr >= (1ull << USER_VADDR_BITS))
            reject("object %u at 0x%lx is beyond physical memory", i, o->paddr);
        if (o->type == BS_OBJ_FRAME && !in_ram(o->paddr, size)) {
            /* device memory: wholly outside RAM, never zeroed, never the kernel's */
            const word_t *k = reaches(kernel_devices, o->paddr, size);
            if (k && !arch_guest_device_page(o->paddr, size))
                reject("object %u: device frame at 0x%lx reaches the kernel's device at "
                       "0x%lx+0x%lx", i, o->paddr, k[0], k[1]);
            if (o->flags & BS_OBJ_FLAG_ZERO)
                reject("object %u: device frame at 0x%lx is flagged zero", i, o->paddr);
            if (ranges_overlap(o->paddr, size, PLAT_RAM_BASE, PLAT_RAM_SIZE))
                reject("object %u: device frame at 0x%lx overlaps RAM", i, o->paddr);
        } else if (!in_ram(o->paddr, size)) {
            reject("object %u at 0x%lx+0x%lx is outside RAM", i, o->paddr, size);
        }
        if (ranges_overlap(o->paddr, size, PLAT_KERNEL_LOAD, PLAT_KERNEL_REGION_SIZE))
            reject("object %u at 0x%lx overlaps the kernel", i, o->paddr);
        const word_t *r = reaches(reserved_memory, o->paddr, size);
        if (r)
            reject("object %u at 0x%lx overlaps reserved memory at 0x%lx+0x%lx", i, o->paddr,
                   r[0], r[1]);
        order_paddr[n] = o->paddr;
        order[n++] = i;
    }
    sort_by_address(n);
    for (uint32_t i = 1; i < n; i++) {
        const struct bs_object *a = &objs[order[i - 1]], *b = &objs[order[i]];
        if (a->paddr + obj_size(a) > b->paddr)
            reject("objects %u and %u overlap at 0x%lx", order[i - 1], order[i], b->paddr);
    }
}

void *pt_pool_take(void)
{
    for (; pt_cursor < hdr->n_objects; pt_cursor++)
        if (objs[pt_cursor].type == BS_OBJ_PAGE_TABLE)
            return PA_TO_KVA(objs[pt_cursor++].paddr);
    return NULL;
}

static void create_objects(void)
{
    uint16_t next_asid = 1;
    for (uint32_t i = 0; i < hdr->n_objects; i++) {
        const struct bs_object *o = &objs[i];
        if (o->type == BS_OBJ_IRQ_HANDLER || o->type == BS_OBJ_SCHED_CONTROL)
            continue;
        if (o->type != BS_OBJ_FRAME || (o->flags & BS_OBJ_FLAG_ZERO))   /* frames: user memory */
            arch_zero(PA_TO_KVA(o->paddr), obj_size(o), o->type == BS_OBJ_FRAME);
        else if (in_ram(o->paddr, obj_size(o)))
            arch_clean_for_others(PA_TO_KVA(o->paddr), obj_size(o));
        if (o->type == BS_OBJ_VSPACE) {
            if (next_asid >= MAX_ASIDS)
                reject("more than %u address spaces", MAX_ASIDS - 1);
            vspace_asid[i] = next_asid++;
        }
    }
}

static void create_caps(void)
{
    const struct bs_cap *caps = (const void *)((const char *)hdr + hdr->caps_off);
    for (uint32_t i = 0; i < hdr->n_caps; i++) {
        const struct bs_cap *c = &caps[i];
        const struct bs_object *cn = obj_of(c->cnode, BS_OBJ_CNODE, "CNode", i);
        if (c->slot == 0 || c->slot >= (1u << cn->size_bits))
            reject("cap %u: slot %u outside its CNode of %u slots", i, c->slot,
                   1u << cn->size_bits);
        if (c->object >= hdr->n_objects)
            reject("cap %u: object %u does not exist", i, c->object);
        if (c->rights > 15)
            reject("cap %u: rights 0x%x", i, c->rights);
        struct cap *slot = (struct cap *)PA_TO_KVA(cn->paddr) + c->slot;
        if (slot->type)
            reject("cap %u: slot %u filled twice", i, c->slot);
        const struct bs_object *o = &objs[c->object];
        slot->type = o->type;
        slot->rights = c->rights;
        void *obj = PA_TO_KVA(o->paddr);
        switch (o->type) {
        case BS_OBJ_ENDPOINT: slot->ep.obj = obj; slot->ep.badge = c->badge; break;
        case BS_OBJ_NOTIFICATION: slot->ntfn.obj = obj; slot->ntfn.badge = c->badge; break;
        case BS_OBJ_TCB: slot->tcb.obj = obj; break;
        case BS_OBJ_CNODE: slot->cnode.slots = obj; slot->cnode.size_bits = o->size_bits; break;
        case BS_OBJ_IRQ_HANDLER: slot->irq.number = o->irq; break;
        case BS_OBJ_SCHED_CONTEXT: slot->sc.obj = obj; slot->sc.size_bits = o->size_bits; break;
        case BS_OBJ_SCHED_CONTROL: slot->sched_control.core = o->irq; break;
        default: slot->memory.obj = obj; break;
        }
    }
}

/* Whether VSpace `vspace` is a guest's: a vCPU thread's (the TCB records say). */
static bool is_guest_vspace(uint32_t vspace)
{
    const struct bs_tcb *tcbs = (const void *)((const char *)hdr + hdr->tcbs_off);
    for (uint32_t i = 0; i < hdr->n_tcbs; i++)
        if (tcbs[i].vcpu != BS_NO_OBJECT && tcbs[i].vspace == vspace)
            return true;
    return false;
}

static void create_mappings(void)
{
    const struct bs_mapping *maps = (const void *)((const char *)hdr + hdr->mappings_off);
    for (uint32_t i = 0; i < hdr->n_mappings; i++) {
        const struct bs_mapping *m = &maps[i];
        const struct bs_object *vs = obj_of(m->vspace, BS_OBJ_VSPACE, "VSpace", i);
        const struct bs_object *f = obj_of(m->frame, BS_OBJ_FRAME, "frame", i);
        word_t size = obj_size(f);
        if ((m->vaddr & (size - 1)) || m->vaddr + size > BS_USER_VADDR_LIMIT)
            reject("mapping %u: vaddr 0x%lx misaligned or above the user limit", i, m->vaddr);
        if (m->rights > 7 || m->attr > 1)
            reject("mapping %u: rights 0x%x attr 0x%x", i, m->rights, m->attr);
        bool device = m->attr & BS_MAP_ATTR_DEVICE;
        if (arch_guest_device_page(f->paddr, size) && !is_guest_vspace(m->vspace))
            reject("mapping %u: device frame at 0x%lx is the guests' (their virtual CPU "
                   "interface): mapped only into a guest's VSpace", i, f->paddr);
        if (!device && !in_ram(f->paddr, size))
            reject("mapping %u: frame outside RAM must be mapped as device memory", i);
        int r = vspace_map(PA_TO_KVA(vs->paddr), m->vaddr, f->paddr, f->size_bits, m->rights,
                           device);
        if (r == 1)
            reject("mapping %u: out of page tables (or a 2 MiB mapping is in the way)", i);
        if (r == 2)
            reject("mapping %u: vaddr 0x%lx is mapped twice", i, m->vaddr);
        if (frame_mappings[m->frame] < 255)
            frame_mappings[m->frame]++;
    }
}

/* Scheduling contexts configured as SchedControl_Configure would, with its checks. */
static void create_sched_contexts(void)
{
    const struct bs_sched_context *scs =
        (const void *)((const char *)hdr + hdr->sched_contexts_off);
    for (uint32_t i = 0; i < hdr->n_objects; i++)
        if (objs[i].type == BS_OBJ_SCHED_CONTEXT) {
            struct sched_context *sc = PA_TO_KVA(objs[i].paddr);
            sc->rf.r = (struct refill *)((char *)sc + BS_SC_REFILLS_OFFSET);
        }
    for (uint32_t i = 0; i < hdr->n_sched_contexts; i++) {
        const struct bs_sched_context *d = &scs[i];
        const struct bs_object *o = obj_of(d->object, BS_OBJ_SCHED_CONTEXT, "context", i);
        word_t capacity = ((1ull << o->size_bits) - BS_SC_REFILLS_OFFSET) / BS_SC_REFILL_SIZE;
        if (d->budget_us < BS_SC_MIN_BUDGET_US || d->budget_us > d->period_us ||
            d->period_us > BS_SC_MAX_PERIOD_US)
            reject("scheduling context %u: budget %lu us, period %lu us", i, d->budget_us,
                   d->period_us);
        if (d->flags & ~BS_SC_SPORADIC)
            reject("scheduling context %u: unknown flags %#x", i, d->flags);
        if (d->extra_refills > capacity - BS_SC_MIN_REFILLS)
            reject("scheduling context %u: %u extra refills (room for %lu)", i,
                   d->extra_refills, capacity - BS_SC_MIN_REFILLS);
        if (d->core >= cores_count())
            reject("scheduling context %u: core %u (%u cores online)", i, d->core,
                   cores_count());
        if (claimed[d->object]++)
            reject("scheduling context %u: object %u configured twice", i, d->object);
        struct sched_context *sc = PA_TO_KVA(o->paddr);
        sc->core = (uint8_t)d->core;
        cores_use(d->core);
        sc_configure(sc, d->budget_us, d->period_us, BS_SC_MIN_REFILLS + d->extra_refills,
                     d->flags & BS_SC_SPORADIC, d->badge);
        if (d->notification != BS_NO_OBJECT) {
            const struct bs_object *no = obj_of(d->notification, BS_OBJ_NOTIFICATION,
                                                "notification", i);
            word_t err = ntfn_bind_sc(PA_TO_KVA(no->paddr), sc);
            if (err == MK_ERR_NOT_ENOUGH_MEMORY)
                reject("scheduling context %u: more than %u contexts bound to notifications",
                       i, (1u << NTFN_SC_BITS) - 1);
            if (err)
                reject("scheduling context %u: notification %u has a context already", i,
                       d->notification);
        }
    }
}

static void create_tcbs(void)
{
    const struct bs_tcb *tcbs = (const void *)((const char *)hdr + hdr->tcbs_off);
    for (uint32_t i = 0; i < hdr->n_tcbs; i++) {
        const struct bs_tcb *d = &tcbs[i];
        const struct bs_object *to = obj_of(d->tcb, BS_OBJ_TCB, "TCB", i);
        const struct bs_object *cn = obj_of(d->cspace, BS_OBJ_CNODE, "CSpace", i);
        const struct bs_object *vs = obj_of(d->vspace, BS_OBJ_VSPACE, "VSpace", i);
        if (claimed[d->tcb]++)
            reject("tcb %u: TCB object %u configured twice", i, d->tcb);
        if (d->flags > 3 || d->fault_ep_slot >= (1u << cn->size_bits) ||
            d->timeout_ep_slot >= (1u << cn->size_bits))
            reject("tcb %u: bad flags or fault/timeout endpoint slot", i);
        struct tcb *t = PA_TO_KVA(to->paddr);
        if (d->sched_context != BS_NO_OBJECT) {
            const struct bs_object *so = obj_of(d->sched_context, BS_OBJ_SCHED_CONTEXT,
                                                "scheduling context", i);
            struct sched_context *sc = PA_TO_KVA(so->paddr);
            if (sc->tcb)
                reject("tcb %u: scheduling context %u is another thread's", i,
                       d->sched_context);
            if (sc->ntfn)   /* it is lent to the notification's waiters, owned by none */
                reject("tcb %u: scheduling context %u is bound to a notification", i,
                       d->sched_context);
            t->sc = sc;
            sc->tcb = t;
        }
        if (d->reply != BS_NO_OBJECT) {
            const struct bs_object *ro = obj_of(d->reply, BS_OBJ_REPLY, "reply", i);
            if (claimed[d->reply]++)
                reject("tcb %u: reply object %u is another thread's", i, d->reply);
            t->reply = PA_TO_KVA(ro->paddr);
        }
        t->timeout_ep_slot = d->timeout_ep_slot;
        if (d->ipc_buffer_frame != BS_NO_OBJECT) {
            const struct bs_object *f = obj_of(d->ipc_buffer_frame, BS_OBJ_FRAME, "IPC buffer", i);
            word_t fsize = obj_size(f);
            if (d->ipc_buffer_vaddr % BS_IPC_BUFFER_SIZE || !in_ram(f->paddr, fsize))
                reject("tcb %u: IPC buffer at 0x%lx not 1 KiB aligned or not in RAM", i,
                       d->ipc_buffer_vaddr);
            bool writable = false;
            if (arch_vspace_lookup(PA_TO_KVA(vs->paddr), d->ipc_buffer_vaddr, f->size_bits,
                                   &writable) != f->paddr)
                reject("tcb %u: IPC buffer frame is not mapped at 0x%lx", i,
                       d->ipc_buffer_vaddr);
            /* the kernel writes received messages there: it must be memory only this
             * thread's address space sees, at this one address, and may write */
            if (!writable)
                reject("tcb %u: IPC buffer at 0x%lx is mapped read-only", i,
                       d->ipc_buffer_vaddr);
            if (frame_mappings[d->ipc_buffer_frame] != 1)
                reject("tcb %u: IPC buffer frame %u is mapped more than once (shared)", i,
                       d->ipc_buffer_frame);
            if (ipcbuf_users[d->ipc_buffer_frame]++)
                reject("tcb %u: IPC buffer frame %u is another thread's IPC buffer", i,
                       d->ipc_buffer_frame);
            t->ipcbuf = PA_TO_KVA(f->paddr + (d->ipc_buffer_vaddr & (fsize - 1)));
        }
        arch_context_init(&t->ctx, d->pc, d->sp, d->ipc_buffer_vaddr);
        t->ctx.x[REG_ARG0] = d->arg0;
        t->ctx.x[REG_ARG0 + 1] = d->arg1;
        t->ctx.x[REG_ARG0 + 2] = d->arg2;
        t->ctx.x[REG_ARG0 + 3] = d->arg3;
        if (d->vcpu != BS_NO_OBJECT) {
            const struct bs_object *vo = obj_of(d->vcpu, BS_OBJ_VCPU, "vCPU", i);
            if (!arch_vcpu_supported())
                reject("tcb %u: a vCPU thread needs the kernel at EL2 (the board entered "
                       "without EL2)", i);
            if (claimed[d->vcpu]++)
                reject("tcb %u: vCPU %u is another thread's", i, d->vcpu);
            /* its VSpace is the guest's physical memory: no other thread's (the vCPU
             * state is switched with the address space, sched.c) */
            for (uint32_t j = 0; j < hdr->n_tcbs; j++)
                if (j != i && tcbs[j].vspace == d->vspace)
                    reject("tcb %u: a vCPU's VSpace %u is also thread %u's", i, d->vspace, j);
            t->vcpu = PA_TO_KVA(vo->paddr);
            arch_vcpu_init(t->vcpu, t, d->sp);
        }
        t->prio = d->priority;
        t->flags = d->flags;
        t->cspace = PA_TO_KVA(cn->paddr);
        t->cspace_bits = cn->size_bits;
        t->vspace = arch_vspace_token(vs->paddr, vspace_asid[d->vspace]);
        t->fault_ep_slot = d->fault_ep_slot;
        t->index = i;
        kmemcpy(t->name, d->name, BS_NAME_LEN);
        t->name[BS_NAME_LEN - 1] = 0;
        if (d->flags & BS_TCB_FLAG_SYSTEM_END)
            system_end_remaining++;
        if (!(d->flags & BS_TCB_FLAG_START_SUSPENDED))
            make_runnable(t);
    }
}

/* A TCB no record configures would run with page tables at physical address 0. */
static void check_tcbs_configured(void)
{
    for (uint32_t i = 0; i < hdr->n_objects; i++)
        if (objs[i].type == BS_OBJ_TCB && !claimed[i])
            reject("object %u: TCB that no thread record configures", i);
}

static void create_irqs(void)
{
    const struct bs_irq *irqs = (const void *)((const char *)hdr + hdr->irqs_off);
    for (uint32_t i = 0; i < hdr->n_irqs; i++) {
        const struct bs_irq *b = &irqs[i];
        const struct bs_object *n = obj_of(b->notification, BS_OBJ_NOTIFICATION, "notification", i);
        if (b->irq < INTC_FIRST_BINDABLE || b->irq >= intc_num_irqs() || b->irq == PLAT_TIMER_IRQ ||
            (ARCH_VCPUS && (b->irq == PLAT_VTIMER_IRQ || b->irq == PLAT_VGIC_MAINTENANCE_IRQ)))
            reject("irq binding %u: interrupt %u cannot be bound", i, b->irq);
        if (irq_is_bound(b->irq))
            reject("irq binding %u: interrupt %u bound twice", i, b->irq);
        if (b->core >= cores_count())
            reject("irq binding %u: interrupt %u to core %u (%u cores online)", i, b->irq,
                   b->core, cores_count());
        cores_use(b->core);
        irq_bind(b->irq, PA_TO_KVA(n->paddr), b->badge, b->core);
    }
}

void spec_boot(void)
{
    check_header();
    kmemset(vspace_asid, 0, hdr->n_objects * sizeof vspace_asid[0]);
    kmemset(claimed, 0, hdr->n_objects);
    kmemset(frame_mappings, 0, hdr->n_objects);
    kmemset(ipcbuf_users, 0, hdr->n_objects);
    check_objects();
    create_objects();
    create_caps();
    create_mappings();
    create_sched_contexts();
    create_tcbs();
    check_tcbs_configured();
    create_irqs();
    arch_user_pmu(hdr->flags & BS_SPEC_FLAG_USER_PMU);
    if (hdr->flags & BS_SPEC_FLAG_USER_PMU)
        kputs("mk: user threads may program the PMU (mk.user_pmu: for benchmarking only)\n");
    kprintf("mk: %u objects, %u threads, %u mappings; starting\n", hdr->n_objects,
            hdr->n_tcbs, hdr->n_mappings);
}

/* Work no thread will take when the run finishes: notifications signalled since their
 * last wait, and threads still blocked sending or awaiting a reply. */
void spec_pending_work(unsigned *signals, unsigned *senders)
{
    *signals = *senders = 0;
    for (uint32_t i = 0; i < hdr->n_objects; i++) {
        if (objs[i].type == BS_OBJ_NOTIFICATION) {
            const struct notification *n = PA_TO_KVA(objs[i].paddr);
            *signals += (n->state & 1) != 0;  /* signalled since its last wait */
        } else if (objs[i].type == BS_OBJ_TCB) {
            const struct tcb *t = PA_TO_KVA(objs[i].paddr);
            /* a thread held at a fault its handler took is the handler's business */
            *senders += !t->exited && !t->fault_kind && (t->state == TS_BLOCKED_SEND ||
                                                         t->state == TS_BLOCKED_REPLY);
        }
    }
}
