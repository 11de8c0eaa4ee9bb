/* The SerialServer (see SerialServer.camkes): whole lines out, typed input to the
 * client that asked for it last. The RPC threads and the control thread share the
 * line buffers and the input owner, under the `serial` mutex. */
#include <camkes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_CLIENTS 32
#define LINE_CHARS MK_DEBUG_WRITE_MAX

/* The page each GetChar client reads its input from. */
struct input_ring {
    volatile uint32_t head;   /* the client's: next character to read */
    volatile uint32_t tail;   /* ours: where the next one goes */
    char buf[];
};

struct pending_line {
    size_t used;
    char text[LINE_CHARS];
};

/* By badge; index 0 for badges beyond MAX_CLIENTS (still never mixed mid-line with a
 * numbered client's output). */
static struct pending_line lines[MAX_CLIENTS + 1];
static seL4_Word input_owner;   /* badge of the GetChar client that asked last; 0: none */

static void print_line(struct pending_line *line)
{
    if (line->used)
        mk_debug_write(line->text, line->used);
    line->used = 0;
}

void processed_putchar_putchar(int c)
{
    seL4_Word badge = processed_putchar_get_sender_id();
    serial_lock();
    struct pending_line *line = &lines[badge <= MAX_CLIENTS ? badge : 0];
    line->text[line->used++] = (char)c;
    if (c == '\n' || line->used == LINE_CHARS)
        print_line(line);
    serial_unlock();
}

void raw_putchar_putchar(int c)
{
    char ch = (char)c;
    mk_debug_write(&ch, 1);
}

void processed_batch_batch(void) {}
void raw_batch_batch(void) {}

/* A GetChar client asks for the input. */
void getchar_foo(void)
{
    serial_lock();
    input_owner = getchar_get_sender_id();
    serial_unlock();
}

/* Put what was typed into the owner's ring (dropping what does not fit: the client
 * is not reading) and wake it. */
static void deliver(const char *typed, int n)
{
    serial_lock();
    seL4_Word owner = input_owner ? input_owner : (seL4_Word)getchar_enumerate_badge(0);
    struct input_ring *ring = getchar_buf(owner);
    if (ring != NULL) {
        size_t size = getchar_buf_size(owner) - sizeof *ring;
        for (int i = 0; i < n; i++) {
            uint32_t next = (uint32_t)((ring->tail + 1) % size);
            if (next == ring->head)
                break;
            ring->buf[ring->tail] = typed[i];
            __atomic_thread_fence(__ATOMIC_RELEASE);   /* the character before the index */
            ring->tail = next;
        }
        getchar_emit(owner);
    }
    serial_unlock();
}

static void read_console(void)
{
    char typed[MK_CONSOLE_READ_MAX];
    int n;
    while ((n = mk_irq_read_console(serial_dev_irq_handler(), typed)) > 0)
        deliver(typed, n);
}

int run(void)
{
    if (getchar_num_badges() == 0)
        return 0;   /* nobody reads input */
    if (poll_ms > 0) {
        timeout_periodic(0, (uint64_t)poll_ms * NS_IN_MS);
        for (;;) {
            seL4_Wait(timeout_notification(), NULL);
            timeout_completed();
            read_console();
        }
    }
    for (;;) {
        serial_dev_irq_wait();
        read_console();
        serial_dev_irq_acknowledge();
    }
}
