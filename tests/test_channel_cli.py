"""`resnet-viz channel`: the files it writes and what channel.json says, checked against the files."""

import json

import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image

from resnet_viz.cli import main
from resnet_viz.featurevis import VisRequest, measure
from resnet_viz.models import load_model
from resnet_viz.trust.receptive import receptive_field

PHOTO = "assets/examples/chelsea.jpg"


def test_channel_command_writes_vis_examples_and_json(tmp_path, capsys):
    refs = tmp_path / "refs"
    refs.mkdir()
    Image.fromarray(skimage.data.coffee()).save(refs / "coffee.png")
    out = tmp_path / "out"
    code = main(
        [
            "channel",
            PHOTO,
            "--model",
            "resnet18",
            "--weights",
            "random",
            "--device",
            "cpu",
            "--stage",
            "layer3",
            "--channel",
            "37",
            "--reference",
            str(refs),
            "--steps",
            "4",
            "--size",
            "64",
            "--quiet",
            "--conv1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "channel.json").read_text())
    assert {"stage", "channel", "objective", "vis_activation", "top_examples"} <= set(report)
    assert (report["stage"], report["channel"], report["objective"]) == ("layer3", 37, "mean")
    vis = [p for p in out.iterdir() if "vis" in p.name]
    assert len(vis) == 1 and vis[0].suffix == ".png"
    picture = Image.open(vis[0])
    assert picture.size == (224, 224) and picture.mode == "RGB"  # the network's input size, pixel space
    # vis_activation is the objective of the written file's pixels (PNG is lossless)
    loaded = load_model("resnet18", "random", "cpu")
    pixels = torch.from_numpy(np.array(picture)).permute(2, 0, 1)[None].float() / 255
    assert float(measure(loaded, VisRequest("layer3", 37, "mean"), pixels)[0]) == pytest.approx(
        report["vis_activation"], rel=1e-5
    )
    examples = report["top_examples"]
    assert report["reference_images"] == 5 and len(examples) == 5
    assert [e["activation"] for e in examples] == sorted((e["activation"] for e in examples), reverse=True)
    for example in examples:
        assert list(receptive_field(loaded, "layer3", *example["unit"]).box) == example["box"]
    assert any(e["file"].endswith("coffee.png") for e in examples)
    assert (out / "layer3-channel37-examples.png").is_file() and (out / "conv1-filters.png").is_file()
    said = capsys.readouterr()
    assert "untrained" in said.err.lower() and "best reference image" in said.out
    # honest either way: the verdict says which is larger
    assert ("excites it more than every reference image" in said.out) == (report["vis_is_larger"] is True)


def test_bad_channel_is_a_message(tmp_path, capsys):
    code = main(
        [
            "channel",
            PHOTO,
            "--model",
            "resnet18",
            "--weights",
            "random",
            "--device",
            "cpu",
            "--stage",
            "layer3",
            "--channel",
            "999",
            "--steps",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2
    assert "Channel 999 does not exist here: use 0 to 255" in capsys.readouterr().err


def test_figure_adds_a_channel_strip(tmp_path, monkeypatch):
    import resnet_viz.channel_strip as strip

    monkeypatch.setattr(strip, "default_effort", lambda device: (64, 3))  # the strip, not the optimisation
    code = main(
        [
            "figure",
            PHOTO,
            "--model",
            "resnet18",
            "--weights",
            "random",
            "--device",
            "cpu",
            "--format",
            "png",
            "--quiet",
            "--channel-strip",
            "layer2:5",
            "--out",
            str(tmp_path),
            "--lang",
            "ko",
        ]
    )
    assert code == 0
    strip_file = tmp_path / "channel-strip-layer2-5-chelsea.png"
    picture = Image.open(strip_file)
    assert picture.size == (1200, 460)
    # three panels of content: not a blank canvas
    assert np.asarray(picture.convert("L")).std() > 20
