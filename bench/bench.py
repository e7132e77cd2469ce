"""Runs every benchmark scenario for portplan and its peers in one run and writes
docs/benchmarks.md (medians, ratios, goals, versions, machine).

Run by `make bench` (bench/run.sh installs the peers first). BENCH_QUICK=1: a short run for
trying the scripts; the figures are then marked as such. Raw results go to bench/.results/.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEERS = BENCH / ".peers"
RESULTS = BENCH / ".results"
DOC = ROOT / "docs" / "benchmarks.md"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
NODE = shutil.which("node") or "node"
MARKER = "<!-- analysis: hand-written; bench/bench.py keeps everything below this line -->"

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# (quick, full): repetitions and sizes. The full run stays under ~10 minutes on 2 cores.
PLAN_REPS = 3 if QUICK else 10
NAMED_N = 200 if QUICK else 1000
NAMED_REPS = 2 if QUICK else 5
PORTFOR_REPS = 1 if QUICK else 3  # port-for's store takes ~20 ms a name: 1000 names ≈ 20 s
START_REPS = 5 if QUICK else 15


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def py_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PEERS / "python"), PYTHONDONTWRITEBYTECODE="", **extra)
    env.pop("PORTPLAN_ENGINE", None)
    return env


def run_json(cmd: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# ---- scenario 1: the core's plan ----


def criterion() -> dict[str, float]:
    """Median point estimates (ms) of core/benches/plan.rs, from criterion's own files."""
    args = ["cargo", "bench", "-p", "portplan", "--bench", "plan", "--"]
    if QUICK:
        args += ["--warm-up-time", "1", "--measurement-time", "2"]
    log("criterion: " + " ".join(args))
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = {}
    for group in ("plan", "sha256_floor"):
        for count in (100, 10_000, 60_000):
            path = ROOT / "target" / "criterion" / "plan" / group / str(count) / "new" / "estimates.json"
            out[f"{group}_{count}"] = json.loads(path.read_text())["median"]["point_estimate"] / 1e6
    return out


# ---- scenario 3 and 4: fresh processes, timed from here ----


def project_dir() -> tuple[str, str, str]:
    top = tempfile.mkdtemp(prefix="portplan-bench-")
    home = os.path.join(top, "home")
    project = os.path.join(top, "project")
    os.mkdir(home)
    os.mkdir(project)
    Path(project, "portplan.toml").write_text('namespace = "bench"\n')
    return top, home, project


def time_process(cmd: list[str], env: dict[str, str], reps: int, expect_port: bool) -> list[float]:
    """Wall time (ms) from spawn to exit, with a fresh registry and project each time."""
    samples = []
    for _ in range(reps):
        top, home, project = project_dir()
        start = time.perf_counter()
        done = subprocess.run(cmd, env=dict(env, PORTPLAN_HOME=home), cwd=project, capture_output=True, text=True)
        samples.append((time.perf_counter() - start) * 1000)
        shutil.rmtree(top)
        if done.returncode != 0 or (expect_port and not done.stdout.strip().isdigit()):
            raise SystemExit(f"{cmd} failed: {done.stdout}{done.stderr}")
    return samples


def url(path: Path) -> str:
    return path.as_uri()


def startup() -> dict[str, list[float]]:
    esm = url(ROOT / "bindings-js" / "dist" / "esm" / "index.js")
    get_port = url(PEERS / "node" / "node_modules" / "get-port" / "index.js")
    portfinder = url(PEERS / "node" / "node_modules" / "portfinder" / "lib" / "portfinder.js")
    node = lambda code: [NODE, "--input-type=module", "-e", code]  # noqa: E731
    py = lambda code: [PYTHON, "-c", code]  # noqa: E731
    env = py_env()
    cases = {
        # Every Node case is an ES module, so the loaders are the same.
        "node: empty process": (node("0"), {}, False),
        "node: import portplan (native)": (node(f"import '{esm}'"), {"PORTPLAN_ENGINE": "native"}, False),
        "node: import portplan (wasm)": (node(f"import '{esm}'"), {"PORTPLAN_ENGINE": "wasm"}, False),
        "node: import get-port": (node(f"import '{get_port}'"), {}, False),
        "node: import portfinder": (node(f"import '{portfinder}'"), {}, False),
        "node: first port, portplan (native)": (
            node(f"import {{ port }} from '{esm}'; console.log(await port('web'))"),
            {"PORTPLAN_ENGINE": "native"},
            True,
        ),
        "node: first port, portplan (wasm)": (
            node(f"import {{ port }} from '{esm}'; console.log(await port('web'))"),
            {"PORTPLAN_ENGINE": "wasm"},
            True,
        ),
        "node: first port, get-port": (
            node(f"import getPort from '{get_port}'; console.log(await getPort())"),
            {},
            True,
        ),
        "python: empty process": (py("pass"), {}, False),
        "python: import portplan": (py("import portplan"), {}, False),
        "python: import portpicker": (py("import portpicker"), {}, False),
        "python: import port4me": (py("import port4me"), {}, False),
        "python: import port_for": (py("import port_for"), {}, False),
        "python: first port, portplan": (py("import portplan; print(portplan.port('web'))"), {}, True),
        "python: first port, portpicker": (py("import portpicker; print(portpicker.pick_unused_port())"), {}, True),
        "python: first port, port4me": (py("import port4me; print(port4me.port4me(tool='web'))"), {}, True),
    }
    out = {}
    for label, (cmd, extra, expect_port) in cases.items():
        out[label] = time_process(cmd, dict(env, **extra), START_REPS, expect_port)
    return out


# ---- sizes ----


def sizes() -> dict[str, tuple[int, int | None]]:
    """Bytes (raw, gzip -9) of what users download."""
    out: dict[str, tuple[int, int | None]] = {}

    def add(label: str, path: Path, gz: bool) -> None:
        if path.is_file():
            data = path.read_bytes()
            out[label] = (len(data), len(gzip.compress(data, 9, mtime=0)) if gz else None)

    add("wasm, browser (web/portplan_wasm_bg.wasm)", ROOT / "bindings-js/web/portplan_wasm_bg.wasm", True)
    for wasm in sorted((ROOT / "bindings-js/pkg/node").glob("*.wasm")):
        add(f"wasm, Node fallback (pkg/node/{wasm.name})", wasm, True)
    for addon in sorted((ROOT / "bindings-js/native").glob("*.node")):
        add(f"native addon (native/{addon.name})", addon, True)
    add(
        "Python extension (_native.abi3.so, as installed)",
        next((ROOT / "bindings-python/python/portplan").glob("_native*.so"), Path("-")),
        True,
    )
    wheels = RESULTS / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    log("building the wheel (maturin build --release)")
    # A target dir of its own: other builds sharing target/maturin must not race this one.
    env = dict(os.environ, CARGO_TARGET_DIR=str(RESULTS / "target"))
    built = subprocess.run(
        [str(ROOT / ".venv/bin/maturin"), "build", "--release", "--quiet", "--out", str(wheels)],
        cwd=ROOT / "bindings-python",
        capture_output=True,
        text=True,
        env=env,
    )
    if built.returncode != 0:
        log("wheel build failed: " + built.stderr[-500:])
    for wheel in sorted(wheels.glob("*.whl")):
        add(f"wheel ({wheel.name})", wheel, False)
    return out


# ---- versions and machine ----


def versions() -> dict[str, str]:
    def out(cmd: list[str], env: dict[str, str] | None = None) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.strip()
        except OSError:
            return "?"

    v = {
        "node": out([NODE, "--version"]),
        "python": out([PYTHON, "-c", "import platform; print(platform.python_version())"]),
        "rustc": out(["rustc", "--version"]),
        "portplan (npm)": json.loads((ROOT / "bindings-js/package.json").read_text())["version"],
        "portplan (PyPI)": out([PYTHON, "-c", "import portplan; print(portplan.__version__)"]),
    }
    for package in ("get-port", "portfinder"):
        v[package + " (npm)"] = json.loads((PEERS / "node/node_modules" / package / "package.json").read_text())[
            "version"
        ]
    code = "import importlib.metadata as m, sys; [print(p, m.version(p)) for p in sys.argv[1:]]"
    for line in out([PYTHON, "-c", code, "portpicker", "port4me", "port-for"], py_env()).splitlines():
        name, version = line.split()
        v[name + " (PyPI)"] = version
    lock = (ROOT / "Cargo.lock").read_text()
    found = re.search(r'name = "criterion"\nversion = "([^"]+)"', lock)
    v["criterion"] = found.group(1) if found else "?"
    return v


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "kernel": platform.release(),
        "os": platform.platform(),
        "load average at start": load,
    }


# ---- report ----


def fmt_ms(ms: float) -> str:
    return f"{ms:.3f} ms" if ms < 1 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def fmt_bytes(n: int | None) -> str:
    return "" if n is None else f"{n:,} B ({n / 1024:.1f} KB)"


def goal_line(what: str, ratio: float, limit: float, note: str = "") -> str:
    verdict = "met" if ratio <= limit else "**missed**"
    return f"| {what} | {ratio:.2f}× | ≤ {limit:g}× | {verdict} | {note} |"


def report(r: dict) -> str:
    m, crit, nodeplan, pyplan = r["machine"], r["criterion"], r["node_plan"], r["python_plan"]
    named_node, named_py, start, size = r["node_named"], r["python_named"], r["startup"], r["sizes"]
    med = {
        k: {case: median(v) for case, v in d.items() if isinstance(v, list)}
        for k, d in {"native": nodeplan["native"], "wasm": nodeplan["wasm"], "python": pyplan}.items()
    }
    st = {k: median(v) for k, v in start.items()}
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (bench/bench.py) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        + (" — **BENCH_QUICK=1: a short, noisy run; not the figures of record**." if QUICK else "."),
        "Every figure is the median of several repetitions in the same run; ratios are portplan ÷ peer",
        "(below 1 is faster). Raw samples: `bench/.results/results.json`.",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in m.items()],
        *[f"| {k} | {v} |" for k, v in r["versions"].items()],
        "",
        "## Goals",
        "",
        "| goal | measured | target | | note |",
        "|---|---|---|---|---|",
    ]
    n = r["params"]["named_n"]
    gp = median(named_node["peers"]["get-port"])
    p4 = median(named_py["peers"]["port4me"])
    lines += [
        goal_line(
            "core plan of 60,000 ÷ SHA-256 floor (Rust, criterion)", crit["plan_60000"] / crit["sha256_floor_60000"], 3
        ),
        goal_line(
            "plan of 60,000 in Node: wasm ÷ native", med["wasm"]["plan_60000"] / med["native"]["plan_60000"], 1.5
        ),
        goal_line(
            f"{n} named ports, Node: portplan `ports()` batch ÷ get-port",
            median(named_node["native"]["batch"]) / gp,
            0.5,
            "native engine",
        ),
        goal_line(
            f"{n} named ports, Node: portplan `port()` ×{n} ÷ get-port",
            median(named_node["native"]["each"]) / gp,
            0.5,
            "native engine",
        ),
        goal_line(
            f"{n} named ports, Python: portplan `ports()` batch ÷ port4me",
            median(named_py["portplan"]["batch"]) / p4,
            1,
        ),
        goal_line(
            f"{n} named ports, Python: portplan `port()` ×{n} ÷ port4me", median(named_py["portplan"]["each"]) / p4, 1
        ),
        goal_line(
            "first port, Node: portplan (native) ÷ get-port",
            st["node: first port, portplan (native)"] / st["node: first port, get-port"],
            1,
            "whole process",
        ),
        goal_line(
            "first port, Python: portplan ÷ portpicker",
            st["python: first port, portplan"] / st["python: first port, portpicker"],
            2,
            "whole process",
        ),
    ]
    web = next((v for k, v in size.items() if k.startswith("wasm, browser")), None)
    node_wasm = next((v for k, v in size.items() if k.startswith("wasm, Node")), None)
    gz = (web or node_wasm or (0, 0))[1] or 0
    verdict = "met" if gz and gz <= 40 * 1024 else "**missed**" if gz else "not built"
    which = "web" if web else "pkg/node"
    lines += [
        f"| wasm gzipped ({which}) | {gz / 1024:.1f} KB | ≤ 40 KB | {verdict} | breakdown in docs/wasm-size.md |",
        "",
    ]

    lines += [
        "## 1. The core's plan, next to SHA-256 of the same keys",
        "",
        "`service-0 … service-N-1`, all free, range [1024, 65535] (60,000 fill 93% of it), no excludes.",
        "Rust: criterion's median (`cargo bench -p portplan --bench plan`): `plan()` on a parsed config,",
        "and the floor, SHA-256 of every key alone. Node and Python: the public `plan(config)` in-process",
        f"(config object in, plan object out, JSON crossing included), median of {r['params']['plan_reps']} after a warm-up.",
        "",
        "| services | SHA-256 floor (Rust) | core plan (Rust) | plan ÷ floor | Node native | Node wasm | wasm ÷ native | Python |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for count in (100, 10_000, 60_000):
        c = f"plan_{count}"
        lines.append(
            f"| {count:,} | {fmt_ms(crit['sha256_floor_' + str(count)])} | {fmt_ms(crit[c])} | "
            f"{crit[c] / crit['sha256_floor_' + str(count)]:.1f}× | {fmt_ms(med['native'][c])} | {fmt_ms(med['wasm'][c])} | "
            f"{med['wasm'][c] / med['native'][c]:.2f}× | {fmt_ms(med['python'][c])} |"
        )

    lines += [
        "",
        f"## 2. {n} distinct named ports, each probed and leased",
        "",
        "A fresh registry (`PORTPLAN_HOME` in a temp dir) and project per repetition; config",
        '`namespace = "bench"`, default range [20000, 29999]. What each one does per port:',
        "",
        "- **portplan**: plans the name, probes the port by binding TCP *and* UDP on 127.0.0.1, 0.0.0.0,",
        "  ::1 and :: (8 binds), and writes a lease to the shared registry under its file lock (atomic",
        "  rename, fsync). `ports(names)`: one call for all names (one lock, one write);",
        "  `port(name)` ×N: N calls, each a full lock → read → plan → probe → write.",
        "- **get-port** (default call): one TCP bind of port 0 on the default host; the OS picks the port;",
        "  remembered in-process only (15 s). No name, no UDP, nothing persisted.",
        "- **portfinder**: scans upward from a start port (each call starts after the previous port, so",
        "  the ports are distinct), TCP binds on each local address. No name, no UDP, nothing persisted.",
        "- **portpicker** (`pick_unused_port()`): OS-picked port, TCP and UDP bind on the wildcard. No name.",
        "- **port4me** (`port4me(tool=name)`): the named-port analogue, a deterministic sequence per",
        "  name, one TCP bind on 0.0.0.0 per candidate. Nothing persisted.",
        "- **port-for** (`PortStore.bind_port(name)`): the other named-port store: a random port of its",
        '  "good" ranges (connect + 3 TCP binds on IPv4), saved to an INI file (no lock, no fsync).',
        f"  {r['params']['portfor_reps']} repetition(s): it takes ~20 ms a name.",
        "",
        "| language | tool | median | per port | portplan batch ÷ this | portplan each ÷ this |",
        "|---|---|---|---|---|---|",
    ]
    for lang, data, engines, peers in (
        ("Node", named_node, ("native", "wasm"), ("get-port", "portfinder")),
        ("Python", named_py, ("portplan",), ("portpicker", "port4me", "port-for")),
    ):
        base_batch = median(data[engines[0]]["batch"])
        base_each = median(data[engines[0]]["each"])
        for engine in engines:
            label = "portplan" if engine == "portplan" else f"portplan ({engine})"
            for kind, call in (("batch", f"`ports()` of {n}"), ("each", f"`port()` ×{n}")):
                t = median(data[engine][kind])
                lines.append(f"| {lang} | {label} {call} | {fmt_ms(t)} | {fmt_ms(t / n)} | | |")
        for peer in peers:
            t = median(data["peers"][peer])
            lines.append(
                f"| {lang} | {peer} ×{n} | {fmt_ms(t)} | {fmt_ms(t / n)} | {base_batch / t:.2f}× | {base_each / t:.2f}× |"
            )

    lines += [
        "",
        "## 3. The first port after import, in a fresh process",
        "",
        "Spawn → exit of `node --input-type=module -e …` / `python -c …` printing one port, timed from",
        f'the parent, median of {r["params"]["start_reps"]}, fresh registry each time. "Net" subtracts the empty process.',
        "",
        "| case | median | net of empty process | portplan ÷ peer |",
        "|---|---|---|---|",
    ]
    pairs = {
        "node: first port, portplan (native)": "node: first port, get-port",
        "node: first port, portplan (wasm)": "node: first port, get-port",
        "python: first port, portplan": "python: first port, portpicker",
    }
    for label in (k for k in st if "first port" in k or "empty" in k):
        base = st["node: empty process" if label.startswith("node") else "python: empty process"]
        ratio = f"{st[label] / st[pairs[label]]:.2f}× ({pairs[label].split(', ')[-1]})" if label in pairs else ""
        lines.append(f"| {label} | {fmt_ms(st[label])} | {fmt_ms(st[label] - base)} | {ratio} |")

    lines += [
        "",
        "## 4. Import time and sizes",
        "",
        "Import: spawn → exit of a process that only imports the package, net of the empty process.",
        "",
        "| import | median | net of empty process |",
        "|---|---|---|",
    ]
    for label in (k for k in st if "import" in k):
        base = st["node: empty process" if label.startswith("node") else "python: empty process"]
        lines.append(f"| {label} | {fmt_ms(st[label])} | {fmt_ms(st[label] - base)} |")
    lines += ["", "| artifact | raw | gzip -9 |", "|---|---|---|"]
    for label, (raw, gzipped) in size.items():
        lines.append(f"| {label} | {fmt_bytes(raw)} | {fmt_bytes(gzipped)} |")
    return "\n".join(lines) + "\n"


def analysis_tail() -> str:
    """The hand-written section of docs/benchmarks.md, kept across runs."""
    if DOC.is_file():
        text = DOC.read_text()
        if MARKER in text:
            return text[text.index(MARKER) :]
    return MARKER + "\n\n## Analysis\n\n(to be written)\n"


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    r: dict = {
        "params": {
            "quick": QUICK,
            "plan_reps": PLAN_REPS,
            "named_n": NAMED_N,
            "named_reps": NAMED_REPS,
            "portfor_reps": PORTFOR_REPS,
            "start_reps": START_REPS,
        },
        "machine": machine(),
        "versions": versions(),
    }
    r["criterion"] = criterion()
    worker_js, worker_py = str(BENCH / "node_worker.mjs"), str(BENCH / "py_worker.py")
    node_env = lambda engine: dict(os.environ, PORTPLAN_ENGINE=engine)  # noqa: E731
    log("scenario 1: plan in Node and Python")
    r["node_plan"] = {e: run_json([NODE, worker_js, "plan", str(PLAN_REPS)], node_env(e)) for e in ("native", "wasm")}
    r["python_plan"] = run_json([PYTHON, worker_py, "plan", str(PLAN_REPS)], py_env())
    log(f"scenario 2: {NAMED_N} named ports")
    r["node_named"] = {
        e: run_json([NODE, worker_js, "named", str(NAMED_N), str(NAMED_REPS)], node_env(e)) for e in ("native", "wasm")
    }
    r["node_named"]["peers"] = run_json([NODE, worker_js, "peers", str(NAMED_N), str(NAMED_REPS)], dict(os.environ))
    r["python_named"] = {"portplan": run_json([PYTHON, worker_py, "named", str(NAMED_N), str(NAMED_REPS)], py_env())}
    peers = run_json(
        [PYTHON, worker_py, "peers", str(NAMED_N), str(NAMED_REPS)], py_env(BENCH_PORTFOR_REPS=str(PORTFOR_REPS))
    )
    r["python_named"]["peers"] = peers
    log("scenarios 3 and 4: fresh processes")
    r["startup"] = startup()
    log("sizes")
    r["sizes"] = sizes()
    (RESULTS / "results.json").write_text(json.dumps(r, indent=1))
    DOC.write_text(report(r) + "\n" + analysis_tail())
    log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        # Re-render docs/benchmarks.md from the last raw results (after editing the text).
        DOC.write_text(report(json.loads((RESULTS / "results.json").read_text())) + "\n" + analysis_tail())
    else:
        main()
