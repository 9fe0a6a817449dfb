# Makefile - entry points for building, testing and demoing pg_tviews; the work is
# done by scripts/*.sh. A fresh Debian 12 machine only needs `make test`.
.PHONY: bootstrap install test demo

bootstrap:
	bash scripts/bootstrap.sh

# extra `cargo pgrx install` arguments: make install ARGS=--release
install: bootstrap
	bash scripts/install.sh $(ARGS)

test: bootstrap
	bash scripts/test.sh

demo:
	bash scripts/demo.sh
