"""The small headers CAmkES apps include besides <camkes.h> (runtime/include/utils,
runtime/include/sync, runtime/libs/platsupport, runtime/libs/sel4bench): they compile
under the project's strict flags and the macros do what component code relies on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mkbuild import toolchain

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
INCLUDES = [f"-I{RUNTIME / 'include'}", f"-I{RUNTIME / 'libs' / 'platsupport' / 'include'}",
            f"-I{RUNTIME / 'libs' / 'config' / 'include'}",
            f"-I{RUNTIME / 'libs' / 'sel4bench' / 'include'}"]

UTIL_PROGRAM = r"""
#include <stdio.h>
#include <stdint.h>
#include <utils/util.h>

static char page[2 * PAGE_SIZE_4K] ALIGN(PAGE_SIZE_4K);
compile_time_assert(page_is_4k, PAGE_SIZE_4K == 4096);

static int calls;
static int next(void) { return ++calls; }

int main(void)
{
    int arr[7] UNUSED;
    uintptr_t p = (uintptr_t)page;
    printf("size %zu\n", ARRAY_SIZE(arr));
    printf("min %d max %d\n", MIN(3, -4), MAX(3, -4));
    int m = MIN(next(), 10);
    printf("once %d %d\n", m, calls);
    printf("round %lu %lu %lu\n", (unsigned long)ROUND_UP(4097ul, 4096), (unsigned long)ROUND_DOWN(4097ul, 4096),
           (unsigned long)DIV_ROUND_UP(9, 4));
    printf("aligned %d %d\n", (int)IS_ALIGNED(p, 12), PAGE_ALIGN_4K(p + 4095) == p);
    printf("bit %lu mask %lu\n", BIT(5), MASK(4));
    ZF_LOGI("hidden %d", 1);
    ZF_LOGW("shown %d", 2);
    ZF_LOGE_IF(calls == 1, "conditional %s", "yes");
    ZF_LOGE_IF(calls == 2, "never");
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc not installed")
def test_util_macros_behave(tmp_path):
    src = tmp_path / "util_test.c"
    src.write_text(UTIL_PROGRAM)
    exe = tmp_path / "util_test"
    subprocess.run(
        ["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", *INCLUDES, str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == [
        "size 7",
        "min -4 max 3",
        "once 1 1",
        "round 8192 4096 3",
        "aligned 1 1",
        "bit 32 mask 15",
        f"W {src}:25 main: shown 2",
        f"E {src}:26 main: conditional yes",
    ]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc not installed")
def test_zf_log_level_can_be_lowered(tmp_path):
    src = tmp_path / "log.c"
    src.write_text('#include <utils/util.h>\nint main(void) { ZF_LOGD("dbg"); return 0; }\n')
    exe = tmp_path / "log"
    subprocess.run(
        ["gcc", "-DZF_LOG_LEVEL=ZF_LOG_DEBUG", *INCLUDES, str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    assert out == f"D {src}:2 main: dbg\n"


CROSS_PROGRAM = r"""
#include <autoconf.h>
#include <stdio.h>
#include <sel4/sel4.h>
#include <utils/util.h>
#include <sync/mutex.h>
#include <platsupport/sync/spinlock.h>
#include <sel4bench/sel4bench.h>

static sync_mutex_t mutex;
static sync_spinlock_t lock;

#if !defined(CONFIG_ARCH_AARCH64) || CONFIG_WORD_SIZE != 64 || CONFIG_MAX_NUM_NODES != 1
#error "autoconf.h does not describe this build"
#endif
#ifdef CONFIG_CAMKES_OPTIMISATION_CALL_LEAVE_REPLY_CAP
#error "an option mkbuild does not have is defined"
#endif

int use_all(seL4_CPtr notification);
int use_all(seL4_CPtr notification)
{
    int result UNUSED = sync_mutex_init(&mutex, notification);
    result = sync_mutex_lock(&mutex);
    result = sync_mutex_unlock(&mutex);
    sync_spinlock_init(&lock);
    if (sync_spinlock_trylock(&lock) == 0) {
        sync_spinlock_unlock(&lock);
    }
    sync_spinlock_lock(&lock);
    sync_spinlock_unlock(&lock);
    ZF_LOGE("value %d", result);
    sel4bench_init();
    ccnt_t start = sel4bench_get_cycle_count(), end;
    COMPILER_MEMORY_FENCE();
    SEL4BENCH_READ_CCNT(end);
    sel4bench_destroy();
    result += (int)(end - start);
    return sync_mutex_destroy(&mutex) + sync_spinlock_destroy(&lock);
}
"""


def test_headers_cross_compile_with_project_flags(tmp_path):
    tc = toolchain.AARCH64
    if tc.missing():
        pytest.skip("cross toolchain missing: " + ", ".join(tc.missing()))
    src = tmp_path / "cross.c"
    src.write_text(CROSS_PROGRAM)
    flags = [f for f in tc.user_flags if not f.startswith("-T") and not f.startswith("-Wl")]
    result = subprocess.run(
        [tc.cc, *tc.common_flags, *flags, *INCLUDES, "-c", str(src), "-o", str(tmp_path / "c.o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
