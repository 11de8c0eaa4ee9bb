/* The TimeServer (see TimeServer.camkes): every client's timers in one table, the
 * hardware timer set to the earliest deadline. Deadlines are kept in ticks of the
 * system counter, so a periodic timer's next deadline is its last one plus the period:
 * it keeps its period however late the server runs. */
#include <camkes.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define NS_PER_S 1000000000ull
#define NO_DEADLINE UINT64_MAX

struct timer {
    bool active;
    uint64_t deadline;   /* ticks */
    uint64_t period;     /* ticks; 0 for a one-shot timer */
};

struct client {
    seL4_Word badge;
    unsigned int completed;   /* tids fired since the client last asked */
    struct timer *timers;     /* timers_per_client of them */
};

static struct client *clients;
static int n_clients;
static uint64_t freq;         /* ticks per second */

/* a * b / c without overflow for the values used here (ns and ticks below 2^64) */
static uint64_t scale(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)((unsigned __int128)a * b / c);
}

static uint64_t ns_to_ticks(uint64_t ns) { return scale(ns, freq, NS_PER_S); }
static uint64_t ticks_to_ns(uint64_t ticks) { return scale(ticks, NS_PER_S, freq); }

static void arm_earliest(void)
{
    uint64_t earliest = NO_DEADLINE;
    for (int c = 0; c < n_clients; c++)
        for (int t = 0; t < timers_per_client; t++)
            if (clients[c].timers[t].active && clients[c].timers[t].deadline < earliest)
                earliest = clients[c].timers[t].deadline;
    mk_irq_set_timer(hwtimer_irq_irq_handler(), earliest);
}

/* Fire every timer that is due; signal its client. */
static void fire_due(void)
{
    uint64_t now = mk_counter_now();
    for (int c = 0; c < n_clients; c++) {
        bool fired = false;
        for (int t = 0; t < timers_per_client; t++) {
            struct timer *tm = &clients[c].timers[t];
            if (!tm->active || tm->deadline > now)
                continue;
            clients[c].completed |= 1u << t;
            fired = true;
            if (tm->period == 0) {
                tm->active = false;
                continue;
            }
            while (tm->deadline <= now)   /* periods missed are skipped, not bunched */
                tm->deadline += tm->period;
        }
        if (fired)
            the_timer_emit(clients[c].badge);
    }
}

static void on_interrupt(void *unused)
{
    (void)unused;
    time_server_lock();
    fire_due();
    arm_earliest();
    time_server_unlock();
    hwtimer_irq_acknowledge();
    hwtimer_irq_reg_callback(on_interrupt, NULL);
}

void pre_init(void)
{
    freq = mk_counter_freq();
    n_clients = the_timer_num_badges();
    clients = calloc((size_t)(n_clients ? n_clients : 1), sizeof *clients);
    for (int c = 0; c < n_clients; c++) {
        clients[c].badge = the_timer_enumerate_badge((unsigned)c);
        clients[c].timers = calloc((size_t)(timers_per_client > 0 ? timers_per_client : 1),
                                   sizeof(struct timer));
    }
    hwtimer_irq_reg_callback(on_interrupt, NULL);
}

/* The calling client's timer `tid`, or NULL. */
static struct timer *caller_timer(int tid)
{
    if (tid < 0 || tid >= timers_per_client || tid >= 32)
        return NULL;
    seL4_Word badge = the_timer_get_sender_id();
    for (int c = 0; c < n_clients; c++)
        if (clients[c].badge == badge)
            return &clients[c].timers[tid];
    return NULL;
}

static int start(int tid, uint64_t deadline, uint64_t period)
{
    time_server_lock();
    struct timer *tm = caller_timer(tid);
    if (tm != NULL) {
        *tm = (struct timer){true, deadline, period};
        fire_due();   /* a deadline already past fires now */
        arm_earliest();
    }
    time_server_unlock();
    return tm != NULL ? 0 : -EINVAL;
}

int the_timer_periodic(int tid, uint64_t ns)
{
    uint64_t period = ns_to_ticks(ns);
    if (period == 0)
        return -EINVAL;
    return start(tid, mk_counter_now() + period, period);
}

int the_timer_oneshot_relative(int tid, uint64_t ns)
{
    return start(tid, mk_counter_now() + ns_to_ticks(ns), 0);
}

int the_timer_oneshot_absolute(int tid, uint64_t ns)
{
    return start(tid, ns_to_ticks(ns), 0);
}

int the_timer_stop(int tid)
{
    time_server_lock();
    struct timer *tm = caller_timer(tid);
    if (tm != NULL) {
        tm->active = false;
        arm_earliest();
    }
    time_server_unlock();
    return tm != NULL ? 0 : -EINVAL;
}

unsigned int the_timer_completed(void)
{
    time_server_lock();
    unsigned int done = 0;
    seL4_Word badge = the_timer_get_sender_id();
    for (int c = 0; c < n_clients; c++)
        if (clients[c].badge == badge) {
            done = clients[c].completed;
            clients[c].completed = 0;
        }
    time_server_unlock();
    return done;
}

uint64_t the_timer_time(void)
{
    return ticks_to_ns(mk_counter_now());
}
