"""Screenshots of the HTML view at 3, 30 and 300 instances for docs/pictures/.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

3: images/secure-gateway (capability view, `net` selected); 30 and 300:
bench/gen_system.py with 10 and 100 servers (capability view at 30, structure view
at 300, a server selected so its neighbours show). Each page is opened in headless
Chromium at 1400x900 with `#select=NAME`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gen_system import generate  # noqa: E402

from dsl import load_system  # noqa: E402
from mkbuild import authority as A  # noqa: E402
from mkbuild.render import picture  # noqa: E402

SHOTS = [  # (file, system source or None for the gateway, capability view, selected)
    ("html-3.png", None, True, "net"),
    ("html-30.png", 10, True, "server3"),
    ("html-300.png", 100, False, "server42"),
]


def main() -> int:
    import os

    os.chdir(ROOT)  # pictures name the example by its path in the repository
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "pictures"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshots: chromium is not installed", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, servers, capability_view, selected in SHOTS:
            if servers is None:
                path = Path("images/secure-gateway/system.adl")
            else:
                path = Path(tmp) / f"generated-{servers}-servers.camkes"
                path.write_text(generate(servers))
            system, _ = load_system(str(path))
            page = Path(tmp) / (name + ".html")
            page.write_bytes(picture(A.build(system), "html", capability_view=capability_view))
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1400,900",
                            f"--screenshot={out / name}", f"{page.as_uri()}#select={selected}"],
                           check=True, capture_output=True, timeout=180)
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
