"""The guest's binaries: Debian's arm64 Linux kernel and busybox, fetched into a cache.

They are GPL binaries, so the repository holds none of them: `fetch` downloads
`linux-image-cloud-arm64` (resolved to the real `linux-image-<abi>-cloud-arm64` it
depends on) and `busybox-static` for arm64 from Debian's package archive, with apt-get
under a private configuration (its own lists, cache and architecture: the machine's
dpkg state is never touched, nothing is installed), and unpacks the one file of each
that a guest needs. Where they go: `$MKBUILD_CACHE/guest`, else
`$XDG_CACHE_HOME/mkbuild/guest`, else `~/.cache/mkbuild/guest`; one directory per
package version and .deb SHA-256 (from the archive's Packages index, which apt-get
checks the download against), and `guest.json` naming the current ones. A second
`fetch` finds them there and asks no one (`refresh=True` asks the archive again).

The archive is the one the machine's own apt sources name (so a mirror or proxy set
up there is used); MKBUILD_DEBIAN_SOURCES (sources.list lines) overrides that.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from mkbuild.atomic import write_atomically
from mkbuild.builddir import locked

RELEASE = "bookworm"   # the Debian release whose kernel and busybox are known to boot here
KERNEL_PACKAGE = "linux-image-cloud-arm64"   # PL011, GICv2, PSCI, initrd built in; 21 MB
BUSYBOX_PACKAGE = "busybox-static"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
HOST_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
GZIP_MAGIC = b"\x1f\x8b"
ARM64_IMAGE_MAGIC = b"ARM\x64"   # at offset 56 of an arm64 Image (Linux's boot protocol)


class GuestFetchError(Exception):
    """The guest's binaries could not be had; `unreachable` when the archive did not
    answer (tests skip then), else something is wrong here (a failure)."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Artefact:
    package: str
    version: str
    deb_sha256: str   # the .deb's SHA-256 as the Packages index gives it
    path: str         # the unpacked file in the cache


@dataclass(frozen=True)
class GuestBinaries:
    kernel: Artefact    # an arm64 Image (uncompressed), Linux's boot protocol
    busybox: Artefact   # one static arm64 executable

    @property
    def kernel_image(self) -> Path:
        return Path(self.kernel.path)

    @property
    def busybox_binary(self) -> Path:
        return Path(self.busybox.path)


def cache_dir() -> Path:
    if os.environ.get("MKBUILD_CACHE"):
        return Path(os.environ["MKBUILD_CACHE"]) / "guest"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mkbuild" / "guest"


def cached(root: Path | None = None) -> GuestBinaries | None:
    """What an earlier fetch left, if all of it is still there."""
    manifest = (root or cache_dir()) / "guest.json"
    try:
        data = json.loads(manifest.read_text())
        found = GuestBinaries(Artefact(**data["kernel"]), Artefact(**data["busybox"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if all(Path(a.path).is_file() for a in (found.kernel, found.busybox)):
        return found
    return None


def fetch(refresh: bool = False, root: Path | None = None, log=print) -> GuestBinaries:
    """The kernel Image and busybox, from the cache or (first use, `refresh`) the archive."""
    root = root or cache_dir()
    with locked(root):
        have = None if refresh else cached(root)
        if have:
            return have
        with tempfile.TemporaryDirectory(prefix="apt-", dir=root) as tmp:
            apt = _PrivateApt(Path(tmp), _sources())
            log(f"guest: reading Debian {RELEASE}'s arm64 package index")
            apt.update()
            kernel_pkg = apt.resolve_meta(KERNEL_PACKAGE)
            kernel = _unpack(apt, kernel_pkg, root, _kernel_member, _as_image, "Image", log)
            busybox = _unpack(apt, BUSYBOX_PACKAGE, root,
                              lambda names: "./bin/busybox" if "./bin/busybox" in names else None,
                              lambda data: data, "busybox", log)
        found = GuestBinaries(kernel, busybox)
        write_atomically(root / "guest.json",
                         (json.dumps({"kernel": asdict(kernel), "busybox": asdict(busybox)},
                                     indent=2) + "\n").encode())
        return found


def _sources() -> str:
    """sources.list lines for the arm64 archive of RELEASE: MKBUILD_DEBIAN_SOURCES, or
    the Debian archives the machine's apt sources name (one-line and deb822 files)."""
    if os.environ.get("MKBUILD_DEBIAN_SOURCES"):
        return os.environ["MKBUILD_DEBIAN_SOURCES"].strip() + "\n"
    uris: list[str] = []
    files: list[Path] = []
    for place in HOST_SOURCES:
        if place.is_dir():
            files += sorted(p for p in place.iterdir() if p.suffix in (".list", ".sources"))
        elif place.is_file():
            files.append(place)
    for f in files:
        try:
            text = f.read_text()
        except OSError:
            continue
        found = re.findall(r"^\s*URIs:\s*(.+)$", text, re.M) if f.suffix == ".sources" else \
            re.findall(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.M)
        for line in found:
            uris += [u.rstrip("/") for u in line.split()]
    lines = []
    for uri in dict.fromkeys(uris):
        suite = {"debian": RELEASE, "debian-security": f"{RELEASE}-security"}.get(
            uri.rsplit("/", 1)[-1])
        if suite:
            lines.append(f"deb [arch=arm64 signed-by={KEYRING}] {uri} {suite} main")
    if not lines:
        raise GuestFetchError("no Debian package archive in this machine's apt sources "
                              "(/etc/apt/sources.list*): set MKBUILD_DEBIAN_SOURCES to "
                              f"sources.list lines for Debian {RELEASE}")
    return "\n".join(lines) + "\n"


class _PrivateApt:
    """apt-get and apt-cache with their own state under `root`, for arm64 only."""

    def __init__(self, root: Path, sources: str) -> None:
        self.root = root
        for d in ("lists/partial", "archives/partial", "etc/sources.list.d",
                  "etc/preferences.d", "download"):
            (root / d).mkdir(parents=True, exist_ok=True)
        (root / "etc/sources.list").write_text(sources)
        (root / "status").write_text("")
        conf = {
            "Dir::State": root, "Dir::State::Lists": root / "lists",
            "Dir::State::status": root / "status", "Dir::Cache": root,
            "Dir::Etc::SourceList": root / "etc/sources.list",
            "Dir::Etc::SourceParts": root / "etc/sources.list.d",
            "Dir::Etc::Preferences": root / "etc/preferences",
            "Dir::Etc::PreferencesParts": root / "etc/preferences.d",
            "APT::Architecture": "arm64", "APT::Architectures": "arm64",
            "Acquire::Languages": "none",
        }
        if os.getuid() == 0:   # root's apt drops to _apt, who cannot write our directory
            conf["APT::Sandbox::User"] = "root"
        (root / "apt.conf").write_text("".join(f'{k} "{v}";\n' for k, v in conf.items()))

    def _run(self, *cmd: str, cwd: Path | None = None) -> str:
        env = dict(os.environ, APT_CONFIG=str(self.root / "apt.conf"), LC_ALL="C")
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
        if r.returncode != 0:
            raise GuestFetchError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return r.stdout

    def update(self) -> None:
        env = dict(os.environ, APT_CONFIG=str(self.root / "apt.conf"), LC_ALL="C")
        r = subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True,
                           env=env)
        # apt-get update says 'W: Failed to fetch' and may still exit 0 when nothing answered
        failed = r.returncode != 0 or re.search(r"^(W|E): Failed to fetch", r.stderr, re.M)
        if failed or not any((self.root / "lists").glob("*_Packages*")):
            said = [ln for ln in r.stderr.splitlines() if "Failed to fetch" in ln or
                    ln.startswith("E:")] or r.stderr.strip().splitlines() or ["no package index"]
            raise GuestFetchError(f"Debian's package archive did not answer: {said[0]}",
                                  unreachable=True)

    def show(self, package: str) -> dict[str, str]:
        """The newest version's fields of `package` in the Packages index."""
        out = self._run("apt-cache", "show", "--no-all-versions", package)
        return dict(re.findall(r"^([A-Za-z0-9-]+): (.*)$", out, re.M))

    def resolve_meta(self, meta: str) -> str:
        """The linux-image-<abi>-cloud-arm64 that the meta package depends on."""
        depends = self.show(meta).get("Depends", "")
        m = re.match(r"(linux-image-[^\s,(]+)", depends)
        if not m:
            raise GuestFetchError(f"{meta} depends on no kernel package ({depends!r})")
        return m.group(1)

    def download(self, package: str, version: str) -> Path:
        where = self.root / "download"
        self._run("apt-get", "download", "-q", f"{package}={version}", cwd=where)
        debs = list(where.glob(f"{package}_*.deb"))
        if len(debs) != 1:
            raise GuestFetchError(f"apt-get download {package} left {len(debs)} .deb files")
        return debs[0]


def _unpack(apt: _PrivateApt, package: str, root: Path, choose, convert, name: str,
            log) -> Artefact:
    """The file `choose` picks among the package's, `convert`ed, in the cache as `name`."""
    fields = apt.show(package)
    version, sha = fields.get("Version"), fields.get("SHA256")
    if not version or not sha:
        raise GuestFetchError(f"{package}: no Version/SHA256 in the package index")
    log(f"guest: downloading {package} {version} ({int(fields.get('Size', 0)) >> 20} MiB)")
    deb = apt.download(package, version)
    actual = hashlib.sha256(deb.read_bytes()).hexdigest()
    if actual != sha:
        raise GuestFetchError(f"{deb.name}: SHA-256 {actual}, the index says {sha}")
    tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True,
                               check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
        member = choose(names)
        if member is None:
            raise GuestFetchError(f"{deb.name} holds none of the files a guest needs")
        data = convert(tar.extractfile(member).read())
    target = root / f"{package}_{version.replace(':', '%3a')}_{sha[:16]}" / name
    write_atomically(target, data)
    target.chmod(0o755)
    return Artefact(package, version, sha, str(target))


def _kernel_member(names: list[str]) -> str | None:
    return next((n for n in names if re.fullmatch(r"\./boot/vmlinuz-.*", n)), None)


def _as_image(data: bytes) -> bytes:
    """The arm64 Image: vmlinuz is a plain Image in Debian's arm64 packages of this
    release (checked: the magic at offset 56), a gzip'd one in some others."""
    if data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    if data[56:60] != ARM64_IMAGE_MAGIC:
        raise GuestFetchError("the kernel package's vmlinuz is not an arm64 Image")
    return data

