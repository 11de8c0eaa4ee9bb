#!/bin/sh
# /init of the guest's initramfs on zcu102: the passed-through Cadence UART is ttyPS0
# (the guest's console is the monitor's PL011); its interrupt is requested while the
# port is open, and a write is transmit interrupts /proc/interrupts counts.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
count() { grep -m1 xuartps /proc/interrupts | awk '{print $2}'; }
exec 3>/dev/ttyPS0
echo "guest: ttyPS0 interrupts before writing: $(count)"
echo "to the passed-through UART" >&3
sleep 1
echo "guest: ttyPS0 interrupts after writing: $(count)"
exec 3>&-
poweroff -f
