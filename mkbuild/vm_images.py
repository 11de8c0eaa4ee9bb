"""A VM's images: its kernel, its initrd (a file, or a busybox initramfs around its
/init script) and its device tree, each at its guest-physical address."""

from __future__ import annotations

from dataclasses import dataclass

from mkbuild import guest_fetch, guest_initramfs, vm_devicetree
from mkbuild.vm import GuestLayout, PassthroughDevice, SharedRegion, VmConfig, guest_layout


@dataclass(frozen=True)
class GuestImages:
    layout: GuestLayout
    kernel: bytes
    initrd: bytes
    dtb: bytes
    dts: str   # the device tree's source, written beside the build for people

    def blobs(self) -> list[tuple[int, bytes]]:
        """(guest-physical address, bytes), in address order."""
        out = [(self.layout.kernel, self.kernel), (self.layout.dtb, self.dtb)]
        if self.initrd:
            out.append((self.layout.initrd, self.initrd))
        return sorted(out)


def initrd_of(cfg: VmConfig) -> bytes:
    """The initrd file's bytes, a busybox initramfs around `init`, or none. Raises
    guest_fetch.GuestFetchError when busybox cannot be had."""
    if cfg.initrd:
        return cfg.initrd.read_bytes()
    if cfg.init:
        busybox = guest_fetch.fetch(log=lambda m: None).busybox_binary.read_bytes()
        return guest_initramfs.initramfs(
            guest_initramfs.busybox_tree(busybox, cfg.init.read_text()))
    return b""


def images(cfg: VmConfig, regions: tuple[SharedRegion, ...] = (),
           doorbell: bool = False, doorbell_in: bool = False,
           devices: tuple[PassthroughDevice, ...] = ()) -> GuestImages:
    """Raises ValueError when RAM cannot hold them (the real initrd may be larger than
    check's estimate), vm_devicetree.DeviceTreeError, guest_fetch.GuestFetchError."""
    initrd = initrd_of(cfg)
    layout = guest_layout(cfg, len(initrd))
    dts = vm_devicetree.source(cfg, layout, regions, doorbell, doorbell_in, devices)
    return GuestImages(layout, cfg.kernel.read_bytes(), initrd,
                       vm_devicetree.compile_source(dts), dts)
