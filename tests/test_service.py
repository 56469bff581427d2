"""The functions the UI calls, without Gradio."""

from pathlib import Path

from PIL import Image

from resnet_viz.service import Analyzer, target_choices

EXAMPLE = Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"


def test_display_options_rerender_without_recomputing(tmp_path):
    analyzer = Analyzer(device="cpu", png_dir=str(tmp_path))
    key, result = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "")
    again_key, again = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "")
    assert again_key == key and again is result  # cached: no second forward
    cached, loaded = analyzer.cached(key)
    small = analyzer.present(key, cached, loaded, 8, "magma", 0.3, "shared")
    large = analyzer.present(key, cached, loaded, 64, "viridis", 0.5, "per-stage")
    assert Image.open(small.stages[1].features_file).size[0] < Image.open(large.stages[1].features_file).size[0]
    assert "UNTRAINED" in small.predictions_heading and "random weights" in small.banner
    assert "shared scale" in small.summary and "own 0–1 scale" in large.summary
    assert Image.open(analyzer.channel(key, "layer2", 5)).size == (224, 224)
    other_key, _ = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281")
    assert other_key != key
    assert target_choices(loaded)[0] == ("top-1 (automatic)", "")
    assert target_choices(loaded)[282] == ("tabby (281)", "281")
