/* Refill queues (refill.h): the sporadic-server accounting of one scheduling context.
 *
 * Why the rule holds (no more than `budget` in any window of one `period`): every
 * piece of budget used from time s is usable again only at s + period, and merges
 * only ever delay budget (a merged refill takes the later time) or join refills a
 * thread could have used back to back anyway. */
#include "refill.h"

static unsigned slot(const struct refills *q, unsigned i) { return (q->head + i) % q->max; }

static void pop_head(struct refills *q)
{
    q->head = (uint16_t)slot(q, 1);
    q->count--;
}

/* Budget usable from `time` on, which is never earlier than the tail's. A full queue
 * (or a tail that runs into it) takes it into the tail, at the later of both times. */
static void schedule(struct refills *q, uint64_t time, uint64_t amount)
{
    if (!q->count) {
        q->head = 0;
        q->count = 1;
        q->r[0] = (struct refill){time, amount};
        return;
    }
    struct refill *t = &q->r[slot(q, q->count - 1)];
    if (q->count == q->max || t->time + t->amount >= time) {
        t->amount += amount;
        if (time > t->time && q->count == q->max)
            t->time = time;
        return;
    }
    q->r[slot(q, q->count)] = (struct refill){time, amount};
    q->count++;
}

/* A head too small to run on waits for the next refill instead (a delay: safe). */
static void merge_small_head(struct refills *q, uint64_t min)
{
    while (q->count > 1 && q->r[q->head].amount < min) {
        uint64_t left = q->r[q->head].amount;
        pop_head(q);
        q->r[q->head].amount += left;
    }
}

void refill_configure(struct refills *q, uint64_t budget, uint64_t period, unsigned max,
                      bool sporadic, uint64_t now)
{
    q->budget = budget;
    q->sporadic = sporadic;
    q->period = period;
    q->max = (uint16_t)(max < 2 ? 2 : max);
    q->head = 0;
    q->count = 1;
    q->r[0] = (struct refill){now, budget};
}

bool refill_charge(struct refills *q, uint64_t used, uint64_t start, uint64_t min,
                   uint64_t now)
{
    if (!q->count)
        return true;
    if (refill_round_robin(q)) {
        if (refill_slice_goes_on(q, used, min))
            return false;
        q->r[q->head] = (struct refill){now, q->budget};
        return true;
    }
    bool used_up = false;
    while (used && q->count) {
        struct refill *h = &q->r[q->head];
        uint64_t take = used < h->amount ? used : h->amount;
        uint64_t back = (q->sporadic ? start : h->time) + q->period;
        h->amount -= take;
        used -= take;
        start += take;
        if (!q->sporadic)
            h->time += take;   /* the rest of this refill counts as released later */
        if (h->amount < min) {
            uint64_t left = h->amount;
            pop_head(q);
            schedule(q, back, take);
            q->r[q->head].amount += left;
            used_up = true;
        } else {
            schedule(q, back, take);
        }
    }
    merge_small_head(q, min);
    return used_up;
}

void refill_unblock(struct refills *q, uint64_t now)
{
    if (refill_round_robin(q) || !q->count)
        return;
    struct refill *h = &q->r[q->head];
    if (h->time < now)
        h->time = now;
    while (q->count > 1) {
        const struct refill *n = &q->r[slot(q, 1)];
        h = &q->r[q->head];
        if (n->time > h->time + h->amount)
            break;
        struct refill merged = {h->time, h->amount + n->amount};
        pop_head(q);
        q->r[q->head] = merged;
    }
}

void refill_yield(struct refills *q, uint64_t min, uint64_t now)
{
    if (!q->count)
        return;
    if (refill_round_robin(q)) {
        q->r[q->head] = (struct refill){now, q->budget};
        return;
    }
    uint64_t rest = q->r[q->head].amount;
    pop_head(q);
    schedule(q, now + q->period, rest);
    merge_small_head(q, min);
}

uint64_t refill_total(const struct refills *q)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < q->count; i++)
        sum += q->r[slot(q, i)].amount;
    return sum;
}
