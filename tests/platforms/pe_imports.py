"""The DLLs a Windows binary imports, read with pefile; fails on the Visual C++ runtime.

    python pe_imports.py [--machine amd64|arm64] FILE...

FILE is a PE file (a .node addon, a .pyd extension, an .exe), a wheel (its .pyd files) or an
npm tarball (its .node files). For each binary it prints its machine and its imports, one
line, and fails (exit 1) when one imports a DLL of the Visual C++ redistributable
(VCRUNTIME140.dll, MSVCP140.dll, ...), which a Windows machine without it lacks: the msvc
addons and extensions link the C runtime statically (.cargo/config.toml, `+crt-static`). The
UCRT (api-ms-win-crt-*.dll, ucrtbase.dll) is part of Windows 10 and later: listed, allowed.
With --machine, a binary built for another machine fails too. Exit 2: a FILE holds no binary.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pefile

# The DLLs of the Visual C++ redistributable (vc_redist): not on a fresh Windows.
REDIST_PREFIXES = ("vcruntime", "msvcp", "concrt", "vccorlib", "vcomp")
MACHINES = {
    pefile.MACHINE_TYPE["IMAGE_FILE_MACHINE_AMD64"]: "amd64",
    pefile.MACHINE_TYPE["IMAGE_FILE_MACHINE_ARM64"]: "arm64",
    pefile.MACHINE_TYPE["IMAGE_FILE_MACHINE_I386"]: "i386",
}
BINARY_SUFFIXES = (".node", ".pyd", ".dll", ".exe")


def binaries(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each Windows binary in PATH: the file itself, or a wheel's or npm
    tarball's members."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            for member in wheel.namelist():
                if member.endswith(BINARY_SUFFIXES):
                    yield f"{path.name}:{member}", wheel.read(member)
    elif path.name.endswith(".tgz"):
        with tarfile.open(path) as tarball:
            for member in tarball.getmembers():
                if member.isfile() and member.name.endswith(BINARY_SUFFIXES):
                    data = tarball.extractfile(member)
                    assert data is not None
                    yield f"{path.name}:{member.name}", data.read()
    else:
        yield str(path), path.read_bytes()


def imports_of(data: bytes) -> tuple[str, list[str]]:
    """The machine (amd64, arm64, ...) and the imported DLL names, as the file spells them."""
    pe = pefile.PE(data=data, fast_load=True)
    pe.parse_data_directories(
        directories=[
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
        ]
    )
    machine = MACHINES.get(pe.FILE_HEADER.Machine, hex(pe.FILE_HEADER.Machine))
    names = [entry.dll.decode("ascii", "replace") for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    names += [entry.dll.decode("ascii", "replace") for entry in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]
    return machine, names


def redist_dlls(names: list[str]) -> list[str]:
    return [name for name in names if name.lower().startswith(REDIST_PREFIXES)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", choices=sorted(set(MACHINES.values())))
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        found = list(binaries(path))
        if not found:
            print(f"pe_imports: {path}: holds no Windows binary", file=sys.stderr)
            return 2
        for name, data in found:
            try:
                machine, names = imports_of(data)
            except pefile.PEFormatError as error:
                print(f"pe_imports: {name}: not a PE file ({error})", file=sys.stderr)
                return 2
            print(f"{name}: {machine}: {', '.join(names) or '(no imports)'}")
            redist = redist_dlls(names)
            if redist:
                print(
                    f"pe_imports: {name} imports {', '.join(redist)} (the Visual C++ redistributable): "
                    "link the C runtime statically (+crt-static)",
                    file=sys.stderr,
                )
                status = 1
            if args.machine and machine != args.machine:
                print(f"pe_imports: {name} is built for {machine}, not {args.machine}", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
