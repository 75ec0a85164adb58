"""The compiled knowledge base kept on disk between runs, keyed by what it is built from.

Building the knowledge base (reading the YAML, validating, compiling) takes seconds; reading the
compiled arrays back takes a fraction of that. The key is a hash of every file below the
knowledge folder (knowledge files and language resources: names and bytes), of the modules of
`hipdx.kb` that read and compile them, and of hipdx's version: change any of them and the cache is
rebuilt, through the full build (validation included). A cache file starts with its key and a
hash of its payload, so a file cut short or altered is detected and rebuilt.

The folder is ``HIPDX_CACHE_DIR`` when set (``off`` turns the cache off), else
``$XDG_CACHE_HOME/hipdx`` (``~/.cache/hipdx``). A cache that cannot be written is skipped: the
knowledge base is built as if there were none. Only a user who can write the folder can change
what is loaded from it (as with any cache of Python objects), so it lives in the user's own.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from importlib.resources.abc import Traversable
from pathlib import Path

from hipdx.kb.compiled import CompiledKB

#: The first line of every cache file (a new layout gets a new number).
FORMAT = b"hipdx-compiled-kb/1\n"
_KB_CODE = Path(__file__).parent


def cache_dir() -> Path | None:
    """Where compiled knowledge bases are kept, or None when the cache is off."""
    chosen = os.environ.get("HIPDX_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hipdx"


def source_key(root: Path | Traversable) -> str:
    """The hash of everything the compiled knowledge base at ``root`` is made from."""
    digest = hashlib.sha256()
    try:
        digest.update(version("hipdx").encode() + b"\0")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        digest.update(b"unknown\0")
    for name, data in sorted(_files(root, "")):
        digest.update(name.encode() + b"\0" + data + b"\0")
    for module in sorted(_KB_CODE.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def cached_knowledge(root: Path | Traversable, build: Callable[[], CompiledKB]) -> CompiledKB:
    """The compiled knowledge base at ``root``: from the cache when it holds this very build,
    else ``build()`` (then kept for the next run)."""
    folder = cache_dir()
    if folder is None:
        return build()
    key = source_key(root)
    path = folder / f"compiled-{key[:32]}.pickle"
    found = read_cache(path, key)
    if found is not None:
        return found
    compiled = build()
    write_cache(path, key, compiled)
    return compiled


def read_cache(path: Path, key: str) -> CompiledKB | None:
    """The knowledge base in ``path`` if the file is whole and holds ``key``'s build."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = FORMAT + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    checksum, payload = data[len(header) : len(header) + 64], data[len(header) + 65 :]
    if hashlib.sha256(payload).hexdigest().encode() != checksum:
        return None  # cut short or altered
    try:
        found = pickle.loads(payload)
    except Exception:
        return None
    return found if isinstance(found, CompiledKB) else None


def write_cache(path: Path, key: str, compiled: CompiledKB) -> bool:
    """Keep ``compiled`` in ``path`` (atomically); False when the folder cannot be written."""
    payload = pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL)
    checksum = hashlib.sha256(payload).hexdigest().encode()
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(FORMAT + key.encode() + b"\n" + checksum + b"\n" + payload)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True


def _files(node: Path | Traversable, prefix: str) -> Iterator[tuple[str, bytes]]:
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                yield from _files(child, f"{name}/")
        elif not child.name.endswith((".pyc", ".tmp")):
            yield name, child.read_bytes()
