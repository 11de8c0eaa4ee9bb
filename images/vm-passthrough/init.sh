#!/bin/sh
# /init of the guest's initramfs: the passed-through PL031 is the guest's rtc0; an
# alarm a second ahead fires its interrupt, which /proc/interrupts counts. Twice: the
# second one arrives only if the monitor acked the first at the guest's end of it.
# The RTC keeps the host's time while the guest's sleep is virtual (QEMU's -icount runs
# it faster): the guest waits until the RTC passed the alarm, at most 60 of its seconds.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
count() { grep -m1 pl031 /proc/interrupts | awk '{print $2}'; }
alarm() {
    echo +1 > /sys/class/rtc/rtc0/wakealarm
    at=$(cat /sys/class/rtc/rtc0/wakealarm)
    i=0
    while [ "$(cat /sys/class/rtc/rtc0/since_epoch)" -le "$at" ] && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.1
    echo "guest: rtc interrupts after alarm $1: $(count), alarm left: '$(cat /sys/class/rtc/rtc0/wakealarm)'"
}
echo "guest: rtc0 is $(cat /sys/class/rtc/rtc0/name 2>/dev/null || echo missing)"
echo "guest: rtc interrupts before the alarms: $(count)"
alarm 1
alarm 2
poweroff -f
