# The two commands a newcomer needs: `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
# Re-install only when the declared dependencies change.
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgis]'
	touch $@

demo: venv
	$(VENV)/bin/infracensus demo --out demo
	$(VENV)/bin/infracensus serve -r demo/city.gpkg

test: venv
	$(VENV)/bin/pytest

bench: venv
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench
