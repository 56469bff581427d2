"""Helpers shared by the HTTP benchmark, the soak script and their tests: a real `python app.py`
in a subprocess, distinct test photos, and answers reduced to comparable fingerprints."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

ROOT = Path(__file__).resolve().parent.parent
# scikit-image's bundled photos: public domain / CC0, shipped with the package (no download).
PHOTOS = (
    "chelsea",
    "coffee",
    "astronaut",
    "rocket",
    "camera",
    "coins",
    "moon",
    "hubble_deep_field",
    "immunohistochemistry",
    "brick",
    "grass",
    "gravel",
    "colorwheel",
    "clock",
    "retina",
    "horse",
)


def photos(count: int) -> list[Image.Image]:
    """`count` different RGB photos (mirrored copies once the list runs out)."""
    import skimage.data

    images = []
    for index in range(count):
        array = getattr(skimage.data, PHOTOS[index % len(PHOTOS)])()
        image = Image.fromarray(np.uint8(array * 255) if array.dtype == bool else array).convert("RGB")
        images.append(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if index >= len(PHOTOS) else image)
    return images


def phone_photo(grain: float = 8.0, exif_orientation: int | None = None) -> bytes:
    """A 4032×3024 JPEG (q92), a phone photo's size: a real photo upscaled, with fine grain on top so that
    libjpeg's reduced scales have high frequencies to lose. `exif_orientation`: an EXIF Orientation tag."""
    import io

    import skimage.data

    upscaled = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((4032, 3024), Image.BICUBIC)).astype(float)
    grainy = np.clip(upscaled + np.random.default_rng(0).normal(0, grain, upscaled.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    Image.fromarray(grainy).save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def save_with_nonce(image: Image.Image, path: Path, nonce: str) -> Path:
    """The same pixels under different bytes: the server's result cache (keyed by the file's bytes)
    misses, so every request is a full analysis, while the answer must stay the same."""
    info = PngImagePlugin.PngInfo()
    info.add_text("nonce", nonce)
    image.save(path, format="PNG", pnginfo=info, compress_level=1)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    model: str
    log_path: Path

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(
    model: str, extra_args: list[str] = (), env: dict | None = None, timeout: float = 180
) -> tuple[Server, float]:
    """`python app.py` as a user runs it, offline, random weights. Returns it and the seconds from
    launch until it answered its first analysis (cold start)."""
    port = free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"resnet-viz-server-{port}.log"
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--model",
            model,
            "--weights",
            "random",
            "--device",
            "cpu",
            "--port",
            str(port),
            *extra_args,
        ],
        cwd=ROOT,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "RESNET_VIZ_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})},
    )
    server = Server(process, f"http://127.0.0.1:{port}/", model, log_path)
    first_image = save_with_nonce(photos(1)[0], log_path.with_suffix(".png"), "cold")
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if time.perf_counter() - started > timeout:
            server.stop()
            raise TimeoutError(f"app.py did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")
        try:
            analyze(connect(server.url), first_image, model)
            return server, time.perf_counter() - started
        except Exception:  # not listening yet
            time.sleep(0.25)


def analyze(
    client, path: Path, model: str, method: str = "gradcam", target: str = "", weights: str = "random"
) -> tuple:
    from gradio_client import handle_file

    return client.predict(
        handle_file(str(path)), model, weights, method, target, 16, "per-stage", "viridis", 0.5, api_name="/analyze"
    )


def connect(url: str):
    """A client that does not download the pictures: latency is the server's answer, as a browser
    gets it; `fingerprint` fetches the pictures afterwards."""
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def pixels(picture) -> np.ndarray:
    """An output picture's RGB pixels, from its URL (download_files=False) or its downloaded path."""
    import io

    import httpx

    data = (
        httpx.get(picture["url"], timeout=60).raise_for_status().content
        if isinstance(picture, dict)
        else Path(picture).read_bytes()
    )
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def fingerprint(outputs: tuple) -> dict:
    """What must not differ between two answers to the same request: the predictions and the
    pixels of every picture (not the summary, which holds the timing). /analyze answers
    (seen, predictions, summary, 5 × (title, feature maps, cam), predictions heading, cam heading)."""
    seen, label, _summary, *rest = outputs
    stage_pictures = [value for index, value in enumerate(rest[:15]) if index % 3 != 0]
    digests = [hashlib.sha1(pixels(picture).tobytes()).hexdigest() for picture in [seen, *stage_pictures]]
    confidences = [(c["label"], round(c["confidence"], 6)) for c in label["confidences"]]
    return {"predictions": confidences, "heading": rest[15], "pictures": digests}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
