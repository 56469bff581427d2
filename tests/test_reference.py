"""Dataset examples: the ranking equals torchvision's feature extractor's, the crops are the
receptive fields of the strongest units and lie inside the image, and each set runs once (counted)."""

import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image
from torchvision.models.feature_extraction import create_feature_extractor

from resnet_viz.analysis import preprocess
from resnet_viz.errors import ImageInputError, ModelChoiceError
from resnet_viz.reference import (
    BUNDLED,
    ReferenceCache,
    compute_activations,
    examples_grid,
    folder_set,
    is_shapes_model,
    reference_set_for,
    shapes_set,
    top_examples,
)
from resnet_viz.stages import STAGES
from resnet_viz.trust.receptive import receptive_field

STAGE_NAMES = [s.name for s in STAGES]


@pytest.fixture(scope="module")
def extra_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refs")
    Image.fromarray(skimage.data.coffee()).save(folder / "coffee-copy.png")
    Image.fromarray(skimage.data.astronaut()[::2, ::2]).save(folder / "astronaut-small.jpg")
    return folder


@pytest.fixture(scope="module")
def references(resnet18, extra_folder):
    return reference_set_for(resnet18, extra_folder)


@pytest.fixture(scope="module")
def activations(resnet18, references):
    return compute_activations(resnet18, references)


@pytest.fixture(scope="module")
def independent(resnet18, references):
    """Each stage's maps from torchvision's own feature extractor, one image at a time."""
    extractor = create_feature_extractor(resnet18.module, {name: name for name in STAGE_NAMES})
    maps = {name: [] for name in STAGE_NAMES}
    with torch.no_grad():
        for image in references.images:
            _, batch = preprocess(resnet18.transforms, image)
            for name, value in extractor(batch).items():
                maps[name].append(value[0].float())
    return {name: torch.stack(values) for name, values in maps.items()}


def test_the_set_is_the_bundled_photos_plus_the_folder(resnet18, references):
    assert references.names[:4] == tuple(p.name for p in sorted(BUNDLED.glob("*.jpg")))
    assert len(references) == 6 and references.names[4].endswith("astronaut-small.jpg")
    assert not is_shapes_model(resnet18)


def test_ranking_equals_an_independent_computation(resnet18, activations, independent):
    for name in STAGE_NAMES:  # every stage, every channel
        maps = independent[name]
        peak = maps.flatten(2).amax(dim=2).numpy()
        assert np.allclose(activations.peak[name], peak, rtol=1e-4, atol=1e-4), name
        assert np.allclose(activations.mean[name], maps.mean(dim=(2, 3)).numpy(), rtol=1e-4, atol=1e-4), name
        for channel in range(maps.shape[1]):
            order = [references_name for references_name in np.argsort(-peak[:, channel], kind="stable")]
            examples = top_examples(resnet18, activations, name, channel, k=3) if channel % 16 == 0 else None
            if examples is not None:
                assert [e.file for e in examples] == [activations.references.names[i] for i in order[:3]], (
                    name,
                    channel,
                )
                assert [e.activation for e in examples] == pytest.approx(list(peak[order[:3], channel]), rel=1e-4)
            # the unit is where the independent map has its maximum
            for i in range(maps.shape[0]):
                row, col = activations.where[name][i, channel]
                assert maps[i, channel, row, col] == pytest.approx(float(peak[i, channel]), rel=1e-4, abs=1e-5)


def test_crops_are_receptive_fields_inside_the_image(resnet18, activations):
    for name in STAGE_NAMES:
        for channel in (0, 7):
            for example in top_examples(resnet18, activations, name, channel, k=6):
                x0, y0, x1, y1 = example.box
                assert 0 <= x0 < x1 <= 224 and 0 <= y0 < y1 <= 224
                field = receptive_field(resnet18, name, *example.unit)
                assert example.box == field.box
                index = activations.references.names.index(example.file)
                shown = np.asarray(activations.shown[index])
                assert np.array_equal(np.asarray(example.crop), shown[y0:y1, x0:x1])
    # The stem's units see 11 px (7×7 conv stride 2, 3×3 max-pool stride 2): an unclipped crop is 11×11.
    stem = [e for e in top_examples(resnet18, activations, "maxpool", 3, k=6) if e.crop.size == (11, 11)]
    assert stem and all(receptive_field(resnet18, "maxpool", *e.unit).size == 11 for e in stem)


def test_each_set_is_computed_once(resnet18, references):
    cache = ReferenceCache()
    first = cache.activations(resnet18, references)
    assert cache.activations(resnet18, references) is first
    assert cache.computed == 1
    cache.activations(resnet18, reference_set_for(resnet18))  # another set
    assert cache.computed == 2


def test_shapes_model_uses_its_held_out_drawings():
    drawings = shapes_set(6)
    assert len(drawings) == 6 and drawings.names[0].startswith("held-out 000")
    assert drawings.images[0].size == (160, 160)
    assert shapes_set(6).key == drawings.key  # the same drawings each time


def test_bad_reference_folders_say_why(tmp_path, resnet18):
    with pytest.raises(ImageInputError, match="does not exist"):
        folder_set([tmp_path / "nope"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ImageInputError, match="holds no images"):
        folder_set([tmp_path])
    with pytest.raises(ModelChoiceError, match="0 to 255"):
        top_examples(resnet18, compute_activations(resnet18, reference_set_for(resnet18)), "layer3", 300)


def test_examples_grid_shows_each_crop(resnet18, activations):
    examples = top_examples(resnet18, activations, "layer2", 1, k=5)
    grid = examples_grid(examples, tile=64, columns=3)
    assert grid.size == (3 * 70 - 6, 2 * (64 + 28 + 6) - 6)


def test_a_shapes_checkpoint_gets_its_held_out_drawings(tmp_path):
    from torchvision import models as tv_models

    from resnet_viz.lab.shapes import SHAPES
    from resnet_viz.models import load_model

    torch.save(tv_models.resnet18(num_classes=len(SHAPES)).state_dict(), tmp_path / "model.pt")
    (tmp_path / "classes.txt").write_text("\n".join(SHAPES) + "\n")
    loaded = load_model(None, str(tmp_path / "model.pt"), "cpu", str(tmp_path / "classes.txt"))
    assert is_shapes_model(loaded)
    references = reference_set_for(loaded)
    assert references.key == shapes_set().key and len(references) == 40
    assert all(name.startswith("held-out") for name in references.names)
