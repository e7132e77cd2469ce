"""One Python measurement, run by bench/bench.py in its own process. Prints one JSON object:
{"<case>": [milliseconds per repetition, ...], ...}.
    python py_worker.py plan REPS        portplan.plan() of 100 / 10,000 / 60,000 services
    python py_worker.py plan-once COUNT  one portplan.plan() of COUNT services (0: none), for peak RSS
    python py_worker.py named N REPS     N distinct named ports: portplan `ports()` of all (batch),
                                         `port()` of each new name (each), of each leased name
                                         again (again), one leased name N times (repeat)
    python py_worker.py peers N REPS     N ports from portpicker, port4me, port-for
    python py_worker.py profile N        cProfile of N portplan.port() calls (text on stdout)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time


def now() -> float:
    return time.perf_counter() * 1000


def plan_config(count: int) -> dict:
    # The same services as core/benches/plan.rs: `service-i` free, [1024, 65535], no excludes.
    return {"range": [1024, 65535], "exclude": [], "services": {f"service-{i}": True for i in range(count)}}


def fresh_project() -> tuple[str, str]:
    """A fresh registry home and a project folder with a config (default range)."""
    top = tempfile.mkdtemp(prefix="portplan-bench-")
    os.mkdir(os.path.join(top, "home"))
    os.mkdir(os.path.join(top, "project"))
    with open(os.path.join(top, "project", "portplan.toml"), "w") as file:
        file.write('namespace = "bench"\n')
    os.environ["PORTPLAN_HOME"] = os.path.join(top, "home")
    return top, os.path.join(top, "project")


def registry_state(path: str) -> tuple[int, int, int]:
    """What changes when the registry is written: its inode, size and modification time."""
    info = os.stat(path)
    return info.st_ino, info.st_size, info.st_mtime_ns


def names(n: int) -> list[str]:
    return [f"bench-service-{i}" for i in range(n)]


def main() -> None:
    mode, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    out: dict = {}
    if mode == "plan":
        import portplan

        (reps,) = args
        for count in (100, 10_000, 60_000):
            config = plan_config(count)
            portplan.plan(config)  # warm-up
            samples = []
            for _ in range(reps):
                start = now()
                result = portplan.plan(config)
                samples.append(now() - start)
                assert len(result.ports) == count
            out[f"plan_{count}"] = samples
    elif mode == "plan-once":
        import portplan

        (count,) = args
        config = plan_config(count)
        start = now()
        if count:
            assert len(portplan.plan(config).ports) == count
        out = {"ms": now() - start}
    elif mode == "named":
        import portplan

        n, reps = args
        out = {"batch": [], "each": [], "again": [], "repeat": [], "again_wrote": False}
        for _ in range(reps):
            top, cwd = fresh_project()
            start = now()
            got = list(portplan.ports(names(n), cwd=cwd).values())
            out["batch"].append(now() - start)
            assert len(set(got)) == n, "batch: ports not distinct"
            shutil.rmtree(top)

            # One call per name: every name new (each writes its lease), then every name again.
            top, cwd = fresh_project()
            start = now()
            got = [portplan.port(name, cwd=cwd) for name in names(n)]
            out["each"].append(now() - start)
            assert len(set(got)) == n, "each: ports not distinct"
            registry = os.path.join(os.environ["PORTPLAN_HOME"], "registry.json")
            before = registry_state(registry)
            start = now()
            again = [portplan.port(name, cwd=cwd) for name in names(n)]
            out["again"].append(now() - start)
            assert again == got, "again: a leased port moved"
            # Asking again for a leased name writes nothing (SPEC v2 §7).
            out["again_wrote"] = out["again_wrote"] or registry_state(registry) != before
            first = names(1)[0]
            start = now()
            for _ in range(n):
                portplan.port(first, cwd=cwd)
            out["repeat"].append((now() - start) / n)
            shutil.rmtree(top)
    elif mode == "peers":
        import port4me
        import port_for
        import portpicker

        n, reps = args
        out = {"portpicker": [], "port4me": [], "port-for": []}
        portfor_reps = int(os.environ.get("BENCH_PORTFOR_REPS", reps))
        for rep in range(reps):
            start = now()
            for _ in range(n):
                # Picks a port the OS offers, free for TCP and UDP (IPv6 where it can).
                portpicker.pick_unused_port()
            out["portpicker"].append(now() - start)
            start = now()
            # port4me's tool name is its named-port analogue: one deterministic sequence per name.
            got = [port4me.port4me(tool=name) for name in names(n)]
            out["port4me"].append(now() - start)
            if rep >= portfor_reps:
                continue
            top = tempfile.mkdtemp(prefix="portfor-bench-")
            store = port_for.PortStore(os.path.join(top, "port-for.conf"))
            start = now()
            # port-for's store: a named port, random in its "good" ranges, saved to an INI file.
            got = [store.bind_port(name) for name in names(n)]
            out["port-for"].append(now() - start)
            assert len(set(got)) == n
            shutil.rmtree(top)
    elif mode == "profile":
        import cProfile
        import pstats

        import portplan

        (n,) = args
        top, cwd = fresh_project()
        profiler = cProfile.Profile()
        profiler.enable()
        for name in names(n):
            portplan.port(name, cwd=cwd)
        profiler.disable()
        shutil.rmtree(top)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
        return
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
