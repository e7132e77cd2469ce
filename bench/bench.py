"""Runs every benchmark scenario for portplan and its peers in one run and writes
docs/benchmarks.md: the goals of issue 16 as ratios with met/missed, then every table
(medians, peak memory, versions, machine), then bench/notes.md (the profiles behind misses).

Run by `make bench` (bench/run.sh installs the peers first). BENCH_QUICK=1: a short run for
trying the scripts; the figures are then marked as such. Raw results go to bench/.results/;
`python bench/bench.py report` re-renders the page from them (after editing bench/notes.md).
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
NOTES = BENCH / "notes.md"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
NODE = shutil.which("node") or "node"

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# (quick, full): repetitions and sizes. The full run stays under ~10 minutes on 2 cores.
PLAN_REPS = 3 if QUICK else 10
NAMED_N = 200 if QUICK else 1000
NAMED_REPS = 2 if QUICK else 5
PORTFOR_REPS = 1 if QUICK else 3  # port-for's store takes ~20 ms a name: 1000 names ≈ 20 s
START_REPS = 5 if QUICK else 15
RSS_REPS = 3 if QUICK else 5


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
    """Median point estimates (ms) of core/benches/plan.rs, from criterion's own files:
    `plan/plan/N`, `plan/sha256_floor/N` and, where the bench has it, `plan/plan_json/N`."""
    args = ["cargo", "bench", "-p", "portplan", "--bench", "plan", "--"]
    if QUICK:
        args += ["--warm-up-time", "1", "--measurement-time", "2"]
    log("criterion: " + " ".join(args))
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = {}
    for group in ("plan", "sha256_floor", "plan_json"):
        for count in (100, 10_000, 60_000):
            path = TARGET / "criterion" / "plan" / group / str(count) / "new" / "estimates.json"
            if path.is_file():
                out[f"{group}_{count}"] = json.loads(path.read_text())["median"]["point_estimate"] / 1e6
    if "plan_json_60000" not in out:
        # Until core/benches/plan.rs has a `plan_json` case: the core's own example, which
        # times plan_json (text in, text out) as a median of 7 in one process.
        log("criterion has no plan/plan_json: timing core/examples/plan_json60k.rs instead")
        done = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "portplan", "--example", "plan_json60k"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        found = re.search(r"plan_json ([0-9.]+) ms", done.stdout)
        if found:
            out["plan_json_60000_example"] = float(found.group(1))
    return out


# ---- peak memory of one plan of 60,000 services, per engine ----


def peak_rss_kb(cmd: list[str], env: dict[str, str]) -> tuple[int, dict]:
    """Runs `cmd` to its end; its peak resident set (KB, the kernel's ru_maxrss) and the JSON
    object it printed last (if any)."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    lines = out.strip().splitlines()
    printed = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return usage.ru_maxrss, printed


def memory() -> dict[str, dict[str, list[float]]]:
    """Per engine, peak RSS (KB) of a process that builds the 60,000-service config and plans
    it once, and of the same process that only builds the config (what the plan adds is the
    difference); and the plan's time in that process."""
    log("building core/examples/plan60k.rs")
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "portplan", "--example", "plan60k"], cwd=ROOT, check=True
    )
    rust = str(TARGET / "release" / "examples" / "plan60k")
    worker_js, worker_py = str(BENCH / "node_worker.mjs"), str(BENCH / "py_worker.py")
    engines = {
        "Rust (core)": (lambda count: [rust, "1" if count else "0"], dict(os.environ)),
        "Node native": (
            lambda count: [NODE, worker_js, "plan-once", str(count)],
            dict(os.environ, PORTPLAN_ENGINE="native"),
        ),
        "Node wasm": (
            lambda count: [NODE, worker_js, "plan-once", str(count)],
            dict(os.environ, PORTPLAN_ENGINE="wasm"),
        ),
        "Python": (lambda count: [PYTHON, worker_py, "plan-once", str(count)], py_env()),
    }
    out: dict[str, dict[str, list[float]]] = {}
    for engine, (command, env) in engines.items():
        data: dict[str, list[float]] = {"plan_kb": [], "config_kb": [], "ms": []}
        for _ in range(RSS_REPS):
            kb, printed = peak_rss_kb(command(60_000), env)
            data["plan_kb"].append(kb)
            if "ms" in printed:
                data["ms"].append(printed["ms"])
            data["config_kb"].append(peak_rss_kb(command(0), env)[0])
        out[engine] = data
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
    # The package's own ESM entry (package.json `exports`), whatever file it names.
    exports = json.loads((ROOT / "bindings-js" / "package.json").read_text())["exports"]["."]
    esm = url(ROOT / "bindings-js" / exports["import"]["default"])
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
    # Round-robin over the cases, one process each per round: load that drifts during the
    # run then hits every case alike instead of whichever ran at the time.
    out: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(START_REPS):
        for label, (cmd, extra, expect_port) in cases.items():
            out[label] += time_process(cmd, dict(env, **extra), 1, expect_port)
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
        # Tagged `linux` here: the manylinux2014 wheel of a release links through zig
        # (pyproject.toml); its size is what this measures, and it is the same code.
        [
            str(ROOT / ".venv/bin/maturin"),
            "build",
            "--release",
            "--quiet",
            "--compatibility",
            "linux",
            "--out",
            str(wheels),
        ],
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


def verdict(ratio: float, limit: float) -> str:
    return "met" if ratio <= limit else "**missed**"


def notes_sections() -> dict[str, str]:
    """bench/notes.md by its `## id: title` headings (the goal ids of the table)."""
    sections: dict[str, str] = {}
    if NOTES.is_file():
        for found in re.finditer(r"^## ([a-z0-9-]+):", NOTES.read_text(), flags=re.M):
            sections[found.group(1)] = found.group(0)
    return sections


def goals(r: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(id, goal, measured, target, verdict, note) for every goal of issue 16 in this run."""
    crit, n = r["criterion"], r["params"]["named_n"]
    nodeplan = r["node_plan"]
    named_node, named_py, st = r["node_named"], r["python_named"], {k: median(v) for k, v in r["startup"].items()}
    gp, p4 = median(named_node["peers"]["get-port"]), median(named_py["peers"]["port4me"])
    rows = []

    def ratio(gid: str, what: str, value: float, limit: float, note: str = "") -> None:
        rows.append((gid, what, f"{value:.2f}×", f"≤ {limit:g}×", verdict(value, limit), note))

    floor = crit["sha256_floor_60000"]
    if "plan_json_60000" in crit:
        ratio(
            "plan-json", "`plan_json` of 60,000 ÷ SHA-256 floor (Rust, criterion)", crit["plan_json_60000"] / floor, 5
        )
    elif "plan_json_60000_example" in crit:
        ratio(
            "plan-json",
            "`plan_json` of 60,000 ÷ SHA-256 floor (Rust)",
            crit["plan_json_60000_example"] / floor,
            5,
            "plan_json timed by core/examples/plan_json60k.rs (criterion has no plan_json case)",
        )
    ratio("core-plan", "`plan()` of 60,000 ÷ SHA-256 floor (Rust, criterion)", crit["plan_60000"] / floor, 3)
    ratio(
        "wasm",
        "plan of 10,000 in Node: wasm ÷ native",
        median(nodeplan["wasm"]["plan_10000"]) / median(nodeplan["native"]["plan_10000"]),
        1.5,
    )
    ratio(
        "node-batch",
        f"{n} named ports, Node: `ports()` batch ÷ get-port",
        median(named_node["native"]["batch"]) / gp,
        0.5,
        "native engine",
    )
    ratio(
        "python-batch",
        f"{n} named ports, Python: `ports()` batch ÷ port4me",
        median(named_py["portplan"]["batch"]) / p4,
        1,
    )
    # Issue 16 sets this one against port4me for both languages (the named-port peer);
    # Node's own peer is in the note.
    for lang, data in (("Node", named_node["native"]), ("Python", named_py["portplan"])):
        gid = lang.lower()
        again = median(data["again"])
        wrote = "**the registry was written**" if data.get("again_wrote") else "nothing written"
        note = f"native engine; {again / gp:.2f}× get-port; " if lang == "Node" else ""
        ratio(f"{gid}-again", f"{n} leased names again, {lang}: `port()` ×{n} ÷ port4me", again / p4, 2, note + wrote)
        repeat = median(data["repeat"])
        rows.append(
            (
                f"{gid}-repeat",
                f"repeated `port(name)` of a leased name in-process, {lang}",
                f"{fmt_ms(repeat)}",
                "≤ 1 ms",
                verdict(repeat, 1),
                "per call" + (", native engine" if lang == "Node" else ""),
            )
        )
    ratio(
        "node-first",
        "first port, Node: portplan (native) ÷ get-port",
        st["node: first port, portplan (native)"] / st["node: first port, get-port"],
        1,
        "whole process",
    )
    ratio(
        "python-first",
        "first port, Python: portplan ÷ portpicker",
        st["python: first port, portplan"] / st["python: first port, portpicker"],
        1.5,
        "whole process",
    )
    for lang, data in (("Node", named_node["native"]), ("Python", named_py["portplan"])):
        rows.append(
            (
                "new-name",
                f"a new name's durable write (lock, fsync, rename), {lang}",
                fmt_ms(median(data["each"]) / n),
                "one fsync + rename",
                "reported",
                f"per `port()` of a new name, {n} in a row" + (", native engine" if lang == "Node" else ""),
            )
        )
    for engine, data in r["memory"].items():
        rows.append(
            (
                "memory",
                f"peak RSS of the 60,000-service plan, {engine}",
                f"{median(data['plan_kb']) / 1024:.1f} MB",
                "reported",
                "reported",
                f"{(median(data['plan_kb']) - median(data['config_kb'])) / 1024:+.1f} MB over building the config alone",
            )
        )
    size = r["sizes"]
    web = next((v for k, v in size.items() if k.startswith("wasm, browser")), None)
    if web and web[1]:
        rows.append(
            (
                "wasm-size",
                "wasm gzipped (web)",
                f"{web[1] / 1024:.1f} KB",
                "reported",
                "reported",
                "the build checks its own budget; breakdown in docs/wasm-size.md",
            )
        )
    return rows


PLAN_TABLE_HEAD = (
    "| services | SHA-256 floor (Rust) | `plan()` (Rust) | ÷ floor | `plan_json` (Rust) | ÷ floor"
    " | Node native | Node wasm | wasm ÷ native | Python |"
)


def report(r: dict) -> str:
    m, crit, nodeplan, pyplan = r["machine"], r["criterion"], r["node_plan"], r["python_plan"]
    named_node, named_py, start, size = r["node_named"], r["python_named"], r["startup"], r["sizes"]
    med = {
        k: {case: median(v) for case, v in d.items() if isinstance(v, list)}
        for k, d in {"native": nodeplan["native"], "wasm": nodeplan["wasm"], "python": pyplan}.items()
    }
    st = {k: median(v) for k, v in start.items()}
    n = r["params"]["named_n"]
    noted = notes_sections()
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (bench/bench.py) on {r.get('date', '?')}"
        + (" — **BENCH_QUICK=1: a short, noisy run; not the figures of record**." if r["params"]["quick"] else "."),
        "Every figure is the median of several repetitions in the same run; ratios are portplan ÷ peer",
        "(below 1 is faster). Raw samples: `bench/.results/results.json`. The notes after the tables",
        "(bench/notes.md, kept by hand) hold the profiles behind the misses.",
        "",
        "## Goals (issue 16)",
        "",
        "| goal | measured | target | | note |",
        "|---|---|---|---|---|",
    ]
    for gid, what, measured, target, result, note in goals(r):
        if result == "**missed**" and gid in noted:
            note = (note + "; " if note else "") + f"profile: notes, *{gid}*"
        lines.append(f"| {what} | {measured} | {target} | {result} | {note} |")
    lines += ["", "## Machine and versions", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in m.items()]
    lines += [f"| {k} | {v} |" for k, v in r["versions"].items()]

    lines += [
        "",
        "## 1. The core's plan, next to SHA-256 of the same keys",
        "",
        "`service-0 … service-N-1`, all free, range [1024, 65535] (60,000 fill 93% of it), no excludes.",
        "Rust: criterion's median (`cargo bench -p portplan --bench plan`): `plan()` on a parsed config,",
        "`plan_json` (request text in, answer text out) where the bench has it, and the floor: SHA-256",
        "of every key alone. Node and Python: the public `plan(config)` in-process (config object in,",
        f"plan object out, JSON crossing included), median of {r['params']['plan_reps']} after a warm-up.",
        "",
        PLAN_TABLE_HEAD,
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for count in (100, 10_000, 60_000):
        c, fl = f"plan_{count}", crit["sha256_floor_" + str(count)]
        pj = crit.get(f"plan_json_{count}")
        if pj is None and count == 60_000:
            pj = crit.get("plan_json_60000_example")
        pj_cells = f"{fmt_ms(pj)} | {pj / fl:.1f}×" if pj is not None else "— | —"
        lines.append(
            f"| {count:,} | {fmt_ms(fl)} | {fmt_ms(crit[c])} | {crit[c] / fl:.1f}× | {pj_cells} | "
            f"{fmt_ms(med['native'][c])} | {fmt_ms(med['wasm'][c])} | "
            f"{med['wasm'][c] / med['native'][c]:.2f}× | {fmt_ms(med['python'][c])} |"
        )

    lines += [
        "",
        "### Peak memory of the 60,000-service plan",
        "",
        "A process per engine builds the config of 60,000 services and plans it once; the same",
        "process without the plan gives what building the config alone takes. Peak RSS is the",
        "kernel's `ru_maxrss` of the process (Rust: `core/examples/plan60k.rs`), median of",
        f"{r['params'].get('rss_reps', '?')} processes; the time is the plan's median of section 1.",
        "",
        "| engine | plan of 60,000 (time) | peak RSS | config alone | the plan adds |",
        "|---|---|---|---|---|",
    ]
    plan_time = {
        "Rust (core)": crit["plan_60000"],
        "Node native": med["native"]["plan_60000"],
        "Node wasm": med["wasm"]["plan_60000"],
        "Python": med["python"]["plan_60000"],
    }
    for engine, data in r["memory"].items():
        peak, alone = median(data["plan_kb"]), median(data["config_kb"])
        lines.append(
            f"| {engine} | {fmt_ms(plan_time[engine])} | {peak / 1024:.1f} MB | {alone / 1024:.1f} MB "
            f"| {(peak - alone) / 1024:+.1f} MB |"
        )

    lines += [
        "",
        f"## 2. {n} distinct named ports, each probed and leased",
        "",
        "A fresh registry (`PORTPLAN_HOME` in a temp dir) and project per repetition; config",
        '`namespace = "bench"`, default range [20000, 29999]. What each one does per port:',
        "",
        "- **portplan**: plans the name, probes the port by binding TCP *and* UDP, IPv4 and IPv6 (on Linux",
        "  0.0.0.0 and ::, which fail if any address holds the port: 4 binds; elsewhere also 127.0.0.1",
        "  and ::1), and writes a lease to the shared registry under its file lock (atomic",
        "  rename, fsync). `ports(names)`: one call for all names (one lock, one write). One call per",
        "  name: `port(name)` for each new name (each a lock, a read, a plan, a probe and a durable",
        "  write), then the same calls again over the names now leased (SPEC v2 §7: nothing to write;",
        "  the registry's inode, size and mtime are checked before and after), then one leased name",
        f"  asked {n} times in a row (per call).",
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
        "| language | tool | median | per port | ÷ get-port / port4me |",
        "|---|---|---|---|---|",
    ]
    for lang, data, engines, peers, base in (
        ("Node", named_node, ("native", "wasm"), ("get-port", "portfinder"), "get-port"),
        ("Python", named_py, ("portplan",), ("portpicker", "port4me", "port-for"), "port4me"),
    ):
        base_ms = median(data["peers"][base])
        for engine in engines:
            label = "portplan" if engine == "portplan" else f"portplan ({engine})"
            for kind, call in (
                ("batch", f"`ports()` of {n}"),
                ("each", f"`port()` ×{n}, new names"),
                ("again", f"`port()` ×{n}, leased names again"),
            ):
                if kind not in data[engine]:
                    continue
                t = median(data[engine][kind])
                lines.append(f"| {lang} | {label} {call} | {fmt_ms(t)} | {fmt_ms(t / n)} | {t / base_ms:.2f}× |")
            if "repeat" in data[engine]:
                t = median(data[engine]["repeat"])
                lines.append(f"| {lang} | {label} `port()` of one leased name, per call | | {fmt_ms(t)} | |")
        for peer in peers:
            t = median(data["peers"][peer])
            lines.append(f"| {lang} | {peer} ×{n} | {fmt_ms(t)} | {fmt_ms(t / n)} | {t / base_ms:.2f}× |")

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


def page(r: dict) -> str:
    """The whole of docs/benchmarks.md: the generated tables, then bench/notes.md."""
    notes = NOTES.read_text() if NOTES.is_file() else "# Notes\n\n(none yet: bench/notes.md)\n"
    # The notes' own title becomes a section of the page.
    notes = re.sub(r"\A# ", "## ", notes)
    notes = re.sub(r"^## (?=[a-z0-9-]+:)", "### ", notes, flags=re.M)
    return report(r) + "\n" + notes


def merged(runs: list[dict]) -> dict:
    """The samples of several worker runs of one case, in one object (lists joined)."""
    out: dict = {}
    for run in runs:
        for key, value in run.items():
            if isinstance(value, list):
                out.setdefault(key, []).extend(value)
            elif isinstance(value, bool):
                out[key] = out.get(key, False) or value
            else:
                out[key] = value
    return out


def named_ports() -> tuple[dict, dict]:
    """Scenario 2 for both languages. Each repetition runs every engine and then its peers,
    each in a fresh process, so load that drifts during the run hits both sides alike."""
    worker_js, worker_py = str(BENCH / "node_worker.mjs"), str(BENCH / "py_worker.py")
    runs: dict[str, list[dict]] = {}
    for rep in range(NAMED_REPS):
        log(f"scenario 2: {NAMED_N} named ports, repetition {rep + 1} of {NAMED_REPS}")
        one = [str(NAMED_N), "1"]
        for engine in ("native", "wasm"):
            env = dict(os.environ, PORTPLAN_ENGINE=engine)
            runs.setdefault(f"node {engine}", []).append(run_json([NODE, worker_js, "named", *one], env))
        runs.setdefault("node peers", []).append(run_json([NODE, worker_js, "peers", *one], dict(os.environ)))
        runs.setdefault("python", []).append(run_json([PYTHON, worker_py, "named", *one], py_env()))
        portfor = "1" if rep < PORTFOR_REPS else "0"
        peers = run_json([PYTHON, worker_py, "peers", *one], py_env(BENCH_PORTFOR_REPS=portfor))
        runs.setdefault("python peers", []).append(peers)
    node = {
        "native": merged(runs["node native"]),
        "wasm": merged(runs["node wasm"]),
        "peers": merged(runs["node peers"]),
    }
    python = {"portplan": merged(runs["python"]), "peers": merged(runs["python peers"])}
    return node, python


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    r: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "params": {
            "quick": QUICK,
            "plan_reps": PLAN_REPS,
            "named_n": NAMED_N,
            "named_reps": NAMED_REPS,
            "portfor_reps": PORTFOR_REPS,
            "start_reps": START_REPS,
            "rss_reps": RSS_REPS,
        },
        "machine": machine(),
        "versions": versions(),
    }
    r["criterion"] = criterion()
    worker_js, worker_py = str(BENCH / "node_worker.mjs"), str(BENCH / "py_worker.py")
    log("scenario 1: plan in Node and Python")
    r["node_plan"] = {
        e: run_json([NODE, worker_js, "plan", str(PLAN_REPS)], dict(os.environ, PORTPLAN_ENGINE=e))
        for e in ("native", "wasm")
    }
    r["python_plan"] = run_json([PYTHON, worker_py, "plan", str(PLAN_REPS)], py_env())
    log("scenario 1: peak memory of the 60,000 plan")
    r["memory"] = memory()
    r["node_named"], r["python_named"] = named_ports()
    log("scenarios 3 and 4: fresh processes")
    r["startup"] = startup()
    log("sizes")
    r["sizes"] = sizes()
    (RESULTS / "results.json").write_text(json.dumps(r, indent=1))
    DOC.write_text(page(r))
    log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        # Re-render docs/benchmarks.md from the last raw results (after editing bench/notes.md).
        DOC.write_text(page(json.loads((RESULTS / "results.json").read_text())))
    else:
        main()
