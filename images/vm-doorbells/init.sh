#!/bin/sh
# /init of the guest: wait for the doorbell into the guest (its interrupt pending in the
# distributor), read the writer's word, answer it in the reader's region, ring the
# doorbell out, power off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
region() {   # the guest-physical address of the region of connection $1
    for node in /proc/device-tree/shared@*; do
        [ "$(cat "$node/connection")" = "$1" ] && echo "0x${node##*@}"
    done
}
ring=/proc/device-tree/doorbell-in
spi=$(od -An -j7 -N1 -tu1 "$ring/interrupts")   # <0 SPI flags>: the SPI's low byte
intid=$((32 + spi))
pending=$((0x08000200 + intid / 32 * 4))
bit=$((1 << (intid % 32)))
echo "guest: waiting for $(cat "$ring/label") (INTID $intid)"
while [ $(($(devmem $pending 32) & bit)) -eq 0 ]; do :; done
devmem $((0x08000280 + intid / 32 * 4)) 32 $bit   # taken: clear it
question=$(($(devmem "$(region questions)" 32)))
echo "guest: the writer asked about $question"
devmem "$(region answers)" 32 $((question + 1))
for node in /proc/device-tree/doorbell@*; do
    devmem "0x${node##*@}" 32 1
done
poweroff -f
