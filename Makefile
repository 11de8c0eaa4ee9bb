# The two commands of the README. Both install what they need first.
.PHONY: setup demo test bench

PY := .venv/bin

setup:
	@bash scripts/setup.sh

# The main job on the default example: check it, draw it, build it and boot it in QEMU.
demo: setup
	$(PY)/mkbuild check images/rpc/system.adl
	$(PY)/mkbuild graph images/rpc/system.adl -o build/rpc/system.svg
	$(PY)/mkbuild run images/rpc/system.adl --platform qemu-arm-virt

# The whole test suite.
test: setup
	$(PY)/pytest -q

bench: setup
	$(PY)/python bench/bench_check.py
	$(PY)/python bench/bench_pipeline.py --markdown
