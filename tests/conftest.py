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
    return {name: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
            for name, m in model.named_modules()}
