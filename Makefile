# Makefile - entry points for building, testing and demoing pg_tviews; the work is
# done by scripts/*.sh. A fresh Debian 12 machine only needs `make test`.
.PHONY: bootstrap install test demo bench stress coverage

bootstrap:
	bash scripts/bootstrap.sh

# extra `cargo pgrx install` arguments: make install ARGS=--release
install: bootstrap
	bash scripts/install.sh $(ARGS)

test: bootstrap
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

# the benchmark, a release build on a throw-away cluster (never fails on a
# timing): make bench [QUICK=1] [SCALE=N] [ONLY="S5 S6"] (ONLY: these scenario ids
# only, see scripts/bench.sh); writes bench/results/latest.md
bench: bootstrap
	QUICK=$(QUICK) SCALE=$(SCALE) ONLY="$(ONLY)" bash scripts/bench.sh

# the large-scale runs behind docs/limits.md (not part of make test; minutes):
# make stress [SCALE=N] [REPS=N]; writes bench/results/stress.md
stress: bootstrap
	SCALE=$(SCALE) REPS=$(REPS) bash scripts/stress.sh

# line coverage of the planner (its unit tests) and of the extension (pg_regress,
# isolation and the extra suites, on an instrumented build in a private copy of
# PostgreSQL); not part of make test. Writes target/coverage/ (index.html, summary.md)
coverage: bootstrap
	bash scripts/coverage.sh
