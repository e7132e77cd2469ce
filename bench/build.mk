# make bench: portplan next to get-port, portfinder, portpicker, port4me and port-for;
# writes docs/benchmarks.md. BENCH_QUICK=1 make bench for a short run.
.PHONY: bench
bench: build-python build-js
	bench/run.sh
