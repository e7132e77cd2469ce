"""The package as it is published (`make check-package-python`, Linux): scripts/build-dist.sh
builds the wheel and the sdist; twine and auditwheel check them; each is installed into a
fresh venv outside the repository and used there, as a user would."""

from __future__ import annotations

import configparser
import json
import os
import platform
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import portplan
import pytest
from elftools.elf.elffile import ELFFile
from packaging.utils import parse_wheel_filename

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO = PACKAGE_DIR.parent
VERSION = portplan.__version__
COPYRIGHT = "Copyright (c) 2026 the portplan authors"
URLS = {
    "Homepage": "https://github.com/portplan/portplan",
    "Repository": "https://github.com/portplan/portplan",
    "Issues": "https://github.com/portplan/portplan/issues",
}


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    tree_before: str


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    before = _git_status()
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([PACKAGE_DIR / "scripts" / "build-dist.sh", out], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    written = [Path(line) for line in done.stdout.splitlines()]
    wheels = [path for path in written if path.suffix == ".whl"]
    sdists = [path for path in written if path.name.endswith(".tar.gz")]
    assert len(wheels) == len(sdists) == 1, done.stdout
    return Dist(wheels[0], sdists[0], before)


def _wheel_text(dist: Dist, name: str) -> str:
    with zipfile.ZipFile(dist.wheel) as wheel:
        return wheel.read(name).decode("utf-8")


def _sdist_names(dist: Dist) -> list[str]:
    with tarfile.open(dist.sdist) as sdist:
        return sdist.getnames()


def _sdist_text(dist: Dist, name: str) -> str:
    with tarfile.open(dist.sdist) as sdist:
        member = sdist.extractfile(f"portplan-{VERSION}/{name}")
        assert member is not None, name
        return member.read().decode("utf-8")


def test_twine_check_passes(dist: Dist) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", dist.wheel, dist.sdist],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_wheel_is_abi3_and_manylinux2014(dist: Dist) -> None:
    name, version, _build, tags = parse_wheel_filename(dist.wheel.name)
    machine = platform.machine()
    expected = {f"cp39-abi3-manylinux2014_{machine}", f"cp39-abi3-manylinux_2_17_{machine}"}
    assert (name, str(version)) == ("portplan", VERSION)
    assert {str(tag) for tag in tags} == expected
    wheel_file = _wheel_text(dist, f"portplan-{VERSION}.dist-info/WHEEL")
    assert "Root-Is-Purelib: false" in wheel_file
    assert {line.removeprefix("Tag: ") for line in wheel_file.splitlines() if line.startswith("Tag: ")} == expected


def test_auditwheel_agrees_with_the_tag(dist: Dist) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", dist.wheel], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    words = " ".join(done.stdout.split())  # auditwheel wraps its lines
    assert f'consistent with the following platform tag: "manylinux_2_17_{platform.machine()}"' in words


def test_extension_is_stripped(dist: Dist, tmp_path: Path) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        library = Path(wheel.extract("portplan/_native.abi3.so", tmp_path))
    with library.open("rb") as file:
        sections = {section.name for section in ELFFile(file).iter_sections()}
    assert ".dynsym" in sections  # what Python needs to load it stays
    assert ".symtab" not in sections
    assert not {name for name in sections if name.startswith(".debug")}


def _metadata(text: str) -> Message:
    return HeaderParser().parsestr(text)


@pytest.mark.parametrize("form", ["wheel", "sdist"])
def test_metadata_has_license_and_urls(dist: Dist, form: str) -> None:
    if form == "wheel":
        metadata = _metadata(_wheel_text(dist, f"portplan-{VERSION}.dist-info/METADATA"))
    else:
        metadata = _metadata(_sdist_text(dist, "PKG-INFO"))
    assert metadata["Name"] == "portplan"
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.9"
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert urls == URLS


def test_wheel_holds_license_types_and_the_command(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
    info = f"portplan-{VERSION}.dist-info"
    for name in ("portplan/py.typed", "portplan/typing.py", "portplan/_native.pyi", "portplan/_native.abi3.so"):
        assert name in names
    assert COPYRIGHT in _wheel_text(dist, f"{info}/licenses/LICENSE")
    entry_points = configparser.ConfigParser()
    entry_points.read_string(_wheel_text(dist, f"{info}/entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"portplan": "portplan.cli:main"}


def test_sdist_holds_the_core_and_nothing_built(dist: Dist) -> None:
    top = f"portplan-{VERSION}/"
    names = {name.removeprefix(top) for name in _sdist_names(dist)}
    for name in (
        "PKG-INFO",
        "LICENSE",
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
        "core/Cargo.toml",
        "core/src/lib.rs",
        "bindings-python/Cargo.toml",
        "bindings-python/src/lib.rs",
        "python/portplan/__init__.py",
        "python/portplan/py.typed",
    ):
        assert name in names
    assert COPYRIGHT in _sdist_text(dist, "LICENSE")
    built_or_foreign = [
        name
        for name in names
        if name.startswith(("target/", "bindings-js/", ".venv/")) or "node_modules" in name or name.endswith(".so")
    ]
    assert built_or_foreign == []


def test_building_leaves_the_tree_as_it_was(dist: Dist) -> None:
    assert _git_status() == dist.tree_before


def _install_into_fresh_venv(target: Path, where: Path) -> Path:
    """A new venv at `where` (outside the repository) with `target` installed; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", where], check=True)
    python = where / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--disable-pip-version-check", target],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return where / "bin"


USE = """
import json, portplan
print(json.dumps({"port": portplan.port("web"), "file": portplan.__file__, "version": portplan.__version__}))
"""


def _check_installed(bin_dir: Path, tmp_path: Path) -> None:
    """Uses the installed package as a user: the command, then the API, in a project `shop`."""
    project = tmp_path / "shop"
    project.mkdir()
    (project / "portplan.toml").write_text('namespace = "shop"\n[services]\nweb = true\n', encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PORTPLAN_HOME"] = str(tmp_path / "registry")
    expected = portplan.plan({"namespace": "shop", "services": {"web": True}})["web"]

    def run(*argv: str | Path) -> str:
        done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run(bin_dir / "portplan", "--version") == f"{VERSION}\n"
    assert run(bin_dir / "portplan", "get", "web") == f"{expected}\n"
    used = json.loads(run(bin_dir / "python", "-c", USE))
    assert used["port"] == expected  # the lease the command made
    assert used["version"] == VERSION
    assert Path(used["file"]).is_relative_to(bin_dir.parent)  # the installed copy, not the source tree


def test_wheel_installs_and_works_in_a_fresh_venv(dist: Dist, tmp_path: Path) -> None:
    _check_installed(_install_into_fresh_venv(dist.wheel, tmp_path / "venv"), tmp_path)


def test_sdist_builds_installs_and_works_in_a_fresh_venv(dist: Dist, tmp_path: Path) -> None:
    _check_installed(_install_into_fresh_venv(dist.sdist, tmp_path / "venv"), tmp_path)
