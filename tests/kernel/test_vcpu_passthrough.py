"""A device passed through to a guest (issue 16, the kernel's side of `passthrough`): its
frame mapped into the guest's stage 2 at its physical address, as a device frame, so
the guest reads its registers itself, without exits. The guest reads a register with
a known reset value (virt: the PL031 RTC, RTCPeriphID0 at 0xfe0 reads 0x31; zcu102:
the second UART, a Cadence one, whose control register at 0 resets to 0x128) and
makes a hypercall; its monitor reads the value from its x3. Without the mapping the
same read is a stage-2 fault at that address to the monitor."""

import pytest
from sysbuild import boot
from vcpu_guest import at_el2, monitored_guest

from mkbuild import bootspec as bs

# the device, its register's offset and reset value
REGISTER = {"qemu-arm-virt": ("rtc", 0xFE0, 0x31), "zcu102": ("uart1", 0x0, 0x128)}

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
int main(void)
{
    seL4_Word badge, v = 0;
    seL4_MessageInfo_t m = seL4_Recv(1, &badge);
    if (mk_vcpu_exception_class(seL4_GetMR(2)) == MK_VCPU_EC_HVC) {
        mk_vcpu_read_reg(2, 3, &v);
        printf("monitor: the guest read 0x%lx from its device\n", v);
    } else {
        printf("monitor: exit label %lu at 0x%lx\n", seL4_MessageInfo_get_label(m),
               seL4_GetMR(1));
    }
    return 0;
}
"""


def _guest(base: int, offset: int) -> str:
    return f"""
    ldr x1, =0x{base + offset:x}
    ldr w3, [x1]                // the device's register, at its physical address
    hvc #1
1:  b 1b
    .ltorg
"""


def _device(plat, name):
    return next(d for d in plat.devices if d.name == name)


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("mapped", [True, False])
def test_a_passed_through_device_is_the_guests_at_its_physical_address(
        make_system, board, mapped):
    sys = make_system(board)
    name, offset, value = REGISTER[board]
    dev = _device(sys.platform, name)
    guest, _, _ = monitored_guest(sys, _guest(dev.base, offset), MONITOR)
    if mapped:
        frame = sys.device_frame(f"vm.{name}", dev.base)
        sys.spec.mappings.append(bs.Mapping(guest.vspace, dev.base, frame, device=True))
    run = boot(at_el2(sys.platform), sys.image())
    lines = [line for line in run.output.splitlines() if line.startswith("monitor")]
    if mapped:
        assert lines == [f"monitor: the guest read {value:#x} from its device"]
    else:
        assert lines == [f"monitor: exit label 1 at {dev.base + offset:#x}"]
    assert "FAULT HANDLER" not in run.output
    assert run.status == 0
