/* libmicrokit on the mk kernel: the API of seL4 Microkit (names and meaning from its
 * manual), written for mk's system calls (<sel4/sel4.h>, <mk/abi.h>).
 *
 * A PD is one thread. Its capabilities sit at Microkit's fixed slots, which the
 * image tool (mkbuild/microkit/plan.py) fills: notifications to channel ch at 10 + ch, endpoints
 * for protected calls at 74 + ch, IRQ handlers at 138 + ch, child TCBs at 202 + id,
 * `<cspace>` caps at 458 + slot.
 * Badges: bit 63 marks a protected call (channel in bits 0..5), bit 62 a fault of a
 * child (id in bits 0..7); otherwise each set bit is one notified channel. */
#ifndef MICROKIT_H
#define MICROKIT_H

#include <stdint.h>
#include <sel4/sel4.h>

#define seL4_True 1
#define seL4_False 0

typedef unsigned int microkit_channel;
typedef unsigned int microkit_child;
typedef seL4_MessageInfo_t microkit_msginfo;

#define MICROKIT_MAX_CHANNELS 62
#define MICROKIT_MAX_CHANNEL_ID (MICROKIT_MAX_CHANNELS - 1)
#define MICROKIT_PD_NAME_LENGTH 64

/* Fixed slots (Microkit's numbers, where mk has the object). */
#define MICROKIT_INPUT_CAP 1          /* the PD's endpoint: Recv here */
#define MICROKIT_NOTIFICATION_CAP 2   /* the PD's notification, bound to its TCB at start */
#define MICROKIT_TCB_CAP 6            /* the PD's own TCB */
#define MICROKIT_SC_CAP 8             /* a passive PD's scheduling context: its notification's */
#define MICROKIT_BASE_OUTPUT_NOTIFICATION_CAP 10
#define MICROKIT_BASE_ENDPOINT_CAP 74
#define MICROKIT_BASE_IRQ_CAP 138
#define MICROKIT_BASE_TCB_CAP 202
#define MICROKIT_BASE_USER_CAPS 458   /* + the slot of a `<cspace>` cap */
#define MICROKIT_MAX_USER_CAPS 128

#define MICROKIT_PPC_BADGE (1ull << 63)
#define MICROKIT_FAULT_BADGE (1ull << 62)

/* What the PD provides. `protected` and `fault` are optional (weak defaults). */
void init(void);
void notified(microkit_channel ch);
microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo);
seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo);

/* Written by the image tool into the program (Microkit's names). */
extern char microkit_name[MICROKIT_PD_NAME_LENGTH];
extern seL4_Word microkit_irqs;           /* bit ch: channel ch is an IRQ */
extern seL4_Word microkit_notifications;  /* bit ch: may notify channel ch */
extern seL4_Word microkit_pps;            /* bit ch: may call channel ch */
extern seL4_Bool microkit_passive;

void microkit_notify(microkit_channel ch);
void microkit_irq_ack(microkit_channel ch);
microkit_msginfo microkit_ppcall(microkit_channel ch, microkit_msginfo msginfo);
void microkit_deferred_notify(microkit_channel ch);
void microkit_deferred_irq_ack(microkit_channel ch);
void microkit_pd_restart(microkit_child pd, seL4_Word entry_point);
void microkit_pd_stop(microkit_child pd);
void microkit_pd_resume(microkit_child pd);

void microkit_dbg_putc(int c);
void microkit_dbg_puts(const char *s);
void microkit_dbg_put8(seL4_Uint8 x);
void microkit_dbg_put32(seL4_Uint32 x);
void microkit_internal_crash(seL4_Error err) __attribute__((noreturn));

static inline microkit_msginfo microkit_msginfo_new(seL4_Word label, seL4_Uint16 count)
{
    return seL4_MessageInfo_new(label, 0, 0, count);
}

static inline seL4_Word microkit_msginfo_get_label(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_label(msginfo);
}

static inline seL4_Word microkit_msginfo_get_count(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_length(msginfo);
}

/* The CPtr of the `<cspace>` cap at `slot` (another PD's TCB or VSpace); seL4_CapNull
 * outside 1 .. MICROKIT_MAX_USER_CAPS - 1. mk's CSpace is one level: slots are CPtrs. */
static inline seL4_CPtr microkit_cspace_root_slot_to_cptr(seL4_Word slot)
{
    if (slot == 0 || slot >= MICROKIT_MAX_USER_CAPS)
        return seL4_CapNull;
    return MICROKIT_BASE_USER_CAPS + slot;
}

static inline void microkit_mr_set(seL4_Uint8 mr, seL4_Word value) { seL4_SetMR(mr, value); }
static inline seL4_Word microkit_mr_get(seL4_Uint8 mr) { return seL4_GetMR(mr); }

#endif
