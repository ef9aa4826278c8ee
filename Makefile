# kiln: one-command set-up, demo, tests and lint. `make test` is what CI runs (.ci/run).
BIN := .venv/bin

.PHONY: setup demo test lint clean distclean

setup:
	@bash scripts/setup.sh

demo: setup
	$(BIN)/kiln demo

# Lint first so CI enforces it, then the tool check, then the tests.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/kiln doctor
	$(BIN)/python -m pytest -n auto -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis kiln_out sim_build
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv
