/* Internal interface between the generated glue and runtime/camkes (not for users). */
#ifndef CAMKES_RUNTIME_H
#define CAMKES_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <sel4/sel4.h>
#include <camkes/sync.h>

/* ---- threads ---------------------------------------------------------------- */

/* Every thread of an instance starts at _camkes_start (start.S) with x0 = its index
 * in camkes_threads. Thread 0 (the control thread, or the first interface thread of a
 * component without one) runs the init hooks, then releases the others; then every
 * thread runs its entry (control: `run()`; interfaces: their serving loops). */
typedef struct {
    const char *name;
    int (*entry)(void);
} camkes_thread_desc_t;

extern const camkes_thread_desc_t camkes_threads[];
extern const unsigned int camkes_thread_count;
/* Notification the other threads wait on until init is done (0: single thread). */
extern const seL4_CPtr camkes_init_notification;
/* Instance-level init written by the glue (interface init hooks). */
void camkes_glue_init(void);

/* Passive interface threads (`<iface>_passive = true`, docs/scheduling.md). Each starts
 * on a scheduling context of its own so that it can reach the instance's hand-off
 * endpoint; thread 0, after init, takes that context away while the thread waits there,
 * then lends it its own for the step to its interface's endpoint (camkes_make_passive,
 * camkes_passive_start in passive.c). So no client meets a passive thread that still
 * has time of its own, and none is served before the thread is passive. */
typedef struct {
    seL4_Word thread;    /* index in camkes_threads */
    seL4_CPtr context;   /* its own scheduling context */
} camkes_passive_desc_t;

extern const camkes_passive_desc_t camkes_passive_threads[];
extern const unsigned int camkes_passive_count;
extern const seL4_CPtr camkes_passive_handoff;  /* endpoint; 0: no passive thread */
void camkes_make_passive(void);
seL4_MessageInfo_t camkes_passive_start(seL4_CPtr handoff, seL4_Word index, seL4_CPtr ep,
                                        seL4_Word *badge);

/* ---- marshalling -------------------------------------------------------------- */

/* A message under construction or being read: whole words, each item word
 * aligned. Two homes: a local buffer copied to/from the message registers (the
 * first four travel in CPU registers, the rest in the IPC buffer), or a page
 * shared by client and server (seL4RPCDataport, or an RPC's `buffer` dataport),
 * where strings are stored as they are, NUL included. */
typedef struct {
    seL4_Word words[seL4_MsgMaxLength];
    seL4_Word *buf;          /* words, or the shared page */
    size_t capacity;         /* words buf holds */
    size_t capacity_bytes;   /* bytes it holds (a struct dataport need not be whole words) */
    volatile seL4_Word *shared; /* the shared page, NULL in message-register mode */
    size_t pos;    /* next word */
    size_t length; /* words available (reading) */
    int error;     /* set once anything overflowed or ran short */
} camkes_msg_t;

static inline void camkes_msg_init(camkes_msg_t *m)
{
    m->buf = m->words;
    m->capacity = seL4_MsgMaxLength;
    m->capacity_bytes = seL4_MsgMaxLength * sizeof(seL4_Word);
    m->shared = 0;
    m->pos = 0;
    m->length = 0;
    m->error = 0;
}
static inline void camkes_msg_init_shared(camkes_msg_t *m, void *page, size_t bytes)
{
    m->shared = (volatile seL4_Word *)page;
    m->buf = (seL4_Word *)page;
    m->capacity = (bytes + sizeof(seL4_Word) - 1) / sizeof(seL4_Word);
    m->capacity_bytes = bytes;
    m->pos = 0;
    m->length = 0;
    m->error = 0;
}
/* Start a new message in the same home (a server's reply). */
static inline void camkes_msg_reset(camkes_msg_t *m) { m->pos = 0; m->length = 0; m->error = 0; }
void camkes_msg_put(camkes_msg_t *m, const void *data, size_t bytes);
void camkes_msg_put_string(camkes_msg_t *m, const char *s);
void camkes_msg_put_array(camkes_msg_t *m, const void *data, size_t count, size_t elem);
/* Finish the message: copy it into the message registers (or record its length in
 * the shared page); returns the length for MessageInfo (0 for a shared page). */
seL4_Word camkes_msg_send(camkes_msg_t *m);
/* Start reading: `length` words from the message registers, or the shared page. */
void camkes_msg_receive(camkes_msg_t *m, seL4_Word length);
void camkes_msg_get(camkes_msg_t *m, void *data, size_t bytes);
/* Strings and arrays are returned malloc'ed (NULL and m->error set on failure). */
char *camkes_msg_get_string(camkes_msg_t *m);
void *camkes_msg_get_array(camkes_msg_t *m, size_t *count, size_t elem);
/* Arrays of strings: a count, then each string. */
void camkes_msg_put_strings(camkes_msg_t *m, char *const *strings, size_t count);
char **camkes_msg_get_strings(camkes_msg_t *m, size_t *count);
void camkes_free_strings(char **strings, size_t count);

/* ---- events --------------------------------------------------------------------- */

/* The receiving end of an event: a thread waits on the kernel notification and either
 * runs the registered callback or wakes c_wait()ers through a semaphore. */
typedef struct {
    seL4_CPtr notification;   /* signalled by emitters (or an interrupt) */
    camkes_sem_t pending;     /* events not yet taken by c_wait/c_poll (at most one) */
    void (*callback)(void *); /* one-shot, as in CAmkES: re-register after it runs */
    void *callback_arg;
} camkes_event_t;

int camkes_event_thread(camkes_event_t *e);
void camkes_event_wait(camkes_event_t *e);
int camkes_event_poll(camkes_event_t *e);
int camkes_event_reg_callback(camkes_event_t *e, void (*cb)(void *), void *arg);

/* ---- what the glue and the user define (declared in <camkes.h> for users) ---- */

const char *get_instance_name(void);
void pre_init(void);
void post_init(void);

/* ---- diagnostics ------------------------------------------------------------------ */

void camkes_puts(const char *s);
__attribute__((noreturn)) void camkes_halt(void);

#endif
