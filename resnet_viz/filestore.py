"""A small folder of the picture files the web page shows, removed when the process exits."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
import threading
from pathlib import Path


class FileStore:
    """Files named by their content: an unchanged picture is neither rewritten nor re-sent. Only
    the most recent `max_files` are kept: a page fetches its pictures as soon as it gets their names."""

    def __init__(self, folder: str | None = None, max_files: int = 400) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="resnet-viz-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._max_files = max_files
        self._written = 0
        self._lock = threading.Lock()
        atexit.register(self.close)

    def write(self, data: bytes, suffix: str, stem: str = "") -> str:
        """The file holding `data`; `stem` starts its name, for a download that says what it is."""
        digest = hashlib.sha1(data).hexdigest()
        path = self.folder / (f"{stem}-{digest[:16]}.{suffix}" if stem else f"{digest}.{suffix}")
        if not path.exists():
            path.write_bytes(data)
            with self._lock:
                self._written += 1
                prune = self._written % 100 == 0
            if prune:
                self._prune()
        return str(path)

    def _prune(self) -> None:
        files = sorted((p for p in self.folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self._max_files)]:
            old.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the folder; called at exit, and by the app when it closes."""
        shutil.rmtree(self.folder, ignore_errors=True)
