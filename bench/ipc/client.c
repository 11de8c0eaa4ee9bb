/* IPC benchmark client: Call round trips to a server in another address space,
 * timed with the cycle counter (instructions under qemu -icount shift=0). */
#include <stdio.h>
#include <sel4/sel4.h>

#define EP 1
#define EMPTY_SLOT 9
#define WARMUP 1000
#define ROUNDS 10000

static seL4_Word measure_calls(int n)
{
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 1);
    seL4_Word t0 = mk_cycles();
    for (int i = 0; i < n; i++) {
        seL4_SetMR(0, (seL4_Word)i);
        seL4_Call(EP, info);
    }
    return mk_cycles() - t0;
}

static seL4_Word measure_loop(int n)
{
    seL4_Word t0 = mk_cycles();
    for (int i = 0; i < n; i++) {
        seL4_SetMR(0, (seL4_Word)i);
        __asm__ volatile("" ::: "memory");
    }
    return mk_cycles() - t0;
}

static seL4_Word measure_null_syscall(int n)
{
    seL4_Word t0 = mk_cycles();
    for (int i = 0; i < n; i++) {
        seL4_Word c = 0, info = 0;
        mk_syscall(MK_SYS_COUNT + 1, &c, &info);   /* entry, dispatch, error, exit */
    }
    return mk_cycles() - t0;
}

static seL4_Word measure_bad_cap(int n)
{
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 1);
    seL4_Word t0 = mk_cycles();
    for (int i = 0; i < n; i++)
        (void)mk_call(EMPTY_SLOT, &info);          /* entry, cap lookup fails, exit */
    return mk_cycles() - t0;
}

int main(void)
{
#ifdef SERVER_SC_SLOT   /* the server becomes passive: it runs on our time */
    seL4_SchedContext_Unbind(SERVER_SC_SLOT);
#endif
    measure_calls(WARMUP);
    seL4_Word calls = measure_calls(ROUNDS);
    seL4_Word loop = measure_loop(ROUNDS);
    seL4_Word null_sys = measure_null_syscall(ROUNDS);
    seL4_Word bad_cap = measure_bad_cap(ROUNDS);
    printf("BENCH rounds=%d\n", ROUNDS);
    printf("BENCH call_replyrecv_total=%lu\n", calls);
    printf("BENCH call_replyrecv_per_round_trip=%lu.%02lu\n", calls / ROUNDS,
           (calls % ROUNDS) / 100);
    printf("BENCH loop_overhead_per_iteration=%lu.%02lu\n", loop / ROUNDS, (loop % ROUNDS) / 100);
    printf("BENCH null_syscall=%lu.%02lu\n", null_sys / ROUNDS, (null_sys % ROUNDS) / 100);
    printf("BENCH call_empty_slot=%lu.%02lu\n", bad_cap / ROUNDS, (bad_cap % ROUNDS) / 100);
    return 0;
}
