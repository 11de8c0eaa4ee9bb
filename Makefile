# The two commands of the README. Both install what they need first.
.PHONY: setup demo test bench

PY := .venv/bin

setup:
	@bash scripts/setup.sh

# The main job on the default example.
demo: setup
	$(PY)/mkbuild check images/hello/system.adl
	$(PY)/mkbuild graph images/hello/system.adl -o build/hello/system.svg

# The whole test suite.
test: setup
	$(PY)/pytest -q

bench: setup
	$(PY)/python bench/bench_check.py
