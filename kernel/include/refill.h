/* The budget of a scheduling context as a queue of refills: the sporadic-server rule
 * that keeps a thread at or below `budget` in every window of one `period`.
 * Generic C on plain integers (time in timer ticks): no kernel state, no
 * architecture, so tests/kernel/test_refill.py compiles it for the host too. */
#ifndef MK_REFILL_H
#define MK_REFILL_H

#include <stdbool.h>
#include <stdint.h>

/* Budget that becomes usable at `time`. */
struct refill {
    uint64_t time;
    uint64_t amount;
};

/* A circular queue of refills ordered by time; the amounts sum to the budget.
 * budget == period is a round-robin context: one refill, always usable, that
 * starts over (a new time slice) when it is used up.
 * A sporadic server gives each piece of budget back one period after its use began:
 * never more than the budget in any window of one period. A constant-bandwidth
 * context (seL4's default, without seL4_SchedContext_Sporadic) gives it back one
 * period after the refill it came from was released: a thread held back by more
 * urgent ones catches up within its period, so it keeps budget/period over time. */
struct refills {
    uint64_t budget, period;
    uint16_t head, count, max;   /* max: how many of r[] the queue may use, at least 2 */
    uint16_t sporadic;           /* else constant bandwidth */
    struct refill *r;            /* the queue's storage */
};

/* (Re)start the queue: the whole budget usable at `now`. */
void refill_configure(struct refills *q, uint64_t budget, uint64_t period, unsigned max,
                      bool sporadic, uint64_t now);

static inline bool refill_round_robin(const struct refills *q) { return q->budget == q->period; }
static inline const struct refill *refill_head(const struct refills *q) { return &q->r[q->head]; }

/* The head refill can be used now (and holds at least `min` ticks). */
static inline bool refill_ready(const struct refills *q, uint64_t now)
{
    return q->count && q->r[q->head].time <= now;
}

/* Round robin, the common case of a charge: `used` ticks come off the running slice
 * and it goes on (true); false (nothing changed): refill_charge decides. */
static inline bool refill_slice_goes_on(struct refills *q, uint64_t used, uint64_t min)
{
    struct refill *h = &q->r[q->head];
    if (!refill_round_robin(q) || !q->count || h->amount < used + min)
        return false;
    h->amount -= used;
    return true;
}

/* Account `used` ticks consumed from `start` on. Sporadic: each piece comes back one
 * period after its use began; constant bandwidth: one period after its refill's time
 * (which moves on by what was used). Round robin: the slice shrinks; a slice shorter than
 * `min` starts over at `now`. Returns true when the head was used up (round robin:
 * the slice ended; sporadic: the next refill is the head now, maybe in the future). */
bool refill_charge(struct refills *q, uint64_t used, uint64_t start, uint64_t min,
                   uint64_t now);

/* A thread woke after blocking: budget whose time has passed is usable from `now`,
 * and refills that run into each other merge. */
void refill_unblock(struct refills *q, uint64_t now);

/* Give up the rest of the head refill (Yield): it returns one period from `now`. */
void refill_yield(struct refills *q, uint64_t min, uint64_t now);

/* Sum of the amounts (the budget, unless the queue is broken: tests check it). */
uint64_t refill_total(const struct refills *q);

#endif
