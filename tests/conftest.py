import os

os.environ.setdefault("RESNET_VIZ_OFFLINE", "1")  # tests never touch the network: random weights
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np
import pytest
import skimage.data

import resnet_viz


@pytest.fixture(scope="session")
def resnet18():
    return resnet_viz.load_model("resnet18", weights="DEFAULT", device="cpu")


@pytest.fixture(scope="session")
def chelsea() -> np.ndarray:
    return skimage.data.chelsea()


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    return skimage.data.coffee()


def hook_counts(model):
    return {
        name: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
        for name, m in model.named_modules()
    }


@pytest.fixture(scope="session")
def http_app():
    """One real app (resnet18, random weights) on a free port, shared by the HTTP tests."""
    import socket

    from resnet_viz.ui import launch

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = launch(model="resnet18", device="cpu", port=port, prevent_thread_lock=True, quiet=True)
    app.url = f"http://127.0.0.1:{port}/"
    yield app
    app.close()


@pytest.fixture(scope="session")
def http_server(http_app) -> str:
    return http_app.url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, one per test module (tests open their own pages)."""
    playwright = pytest.importorskip("playwright.sync_api")
    import browserkit

    with playwright.sync_playwright() as p:
        browser = browserkit.launch(p)
        yield browser
        browser.close()
