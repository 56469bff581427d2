"""Preparing a lecture from the command line: `resnet-viz figure` over many images (progress bar,
per-file errors that do not stop the batch, an index.html contact sheet, a JSON manifest per figure)
and `--from-manifest`, which redraws a figure byte for byte."""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.metadata
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import analyze
from .cam import CAM_METHODS
from .errors import ResnetVizError, message_in
from .figure import FigureOptions, render_figure
from .filestore import FileStore
from .i18n import check_lang, pick
from .images import IMAGE_SUFFIXES, images_in
from .models import LoadedModel, load_model
from .plotting import FORMATS, figure_lang
from .render import COLORMAPS

MANIFEST_VERSION = 1
PACKAGES = ("torch", "torchvision", "grad-cam", "resnet-viz", "matplotlib", "pillow", "numpy")

TEXT = {
    "en": {
        "untrained": "warning: UNTRAINED (random) weights, predictions are meaningless. {note}",
        "progress": "figures",
        "failed": "FAILED {path}: {error}",
        "summary": "wrote {ok} of {total} figures to {out}/ (contact sheet: {index})",
        "errors": "{n} file(s) failed; the others were written.",
        "no_inputs": "No images given: name image files or folders, or --from-manifest M.json.",
        "no_images": "No images found in {path} (looked for {suffixes}).",
        "not_found": "{path} does not exist.",
        "same": "reproduced {file}: identical to the manifest ({digest})",
        "differs": "reproduced {file}: DIFFERS from the manifest ({digest} ≠ {expected})",
        "versions": "note: {package} is {now} here, the manifest was made with {then}",
        "image_changed": "The image {path} has changed since the manifest was written (sha256 {now} ≠ {then}).",
        "bad_manifest": "{path} is not a resnet-viz figure manifest: {reason}",
        "sheet_title": "resnet-viz figures",
        "sheet_failed": "Failed",
        "sheet_made": "Made with",
    },
    "ko": {
        "untrained": "경고: 학습되지 않은(무작위) 가중치입니다. 예측은 의미가 없습니다. {note}",
        "progress": "그림",
        "failed": "실패 {path}: {error}",
        "summary": "그림 {total}개 중 {ok}개를 {out}/에 썼습니다 (목록: {index})",
        "errors": "파일 {n}개가 실패했습니다. 나머지는 모두 썼습니다.",
        "no_inputs": "이미지가 없습니다: 이미지 파일이나 폴더, 또는 --from-manifest M.json을 주세요.",
        "no_images": "{path}에 이미지가 없습니다 ({suffixes}를 찾았습니다).",
        "not_found": "{path}이(가) 없습니다.",
        "same": "{file} 재현: 매니페스트와 똑같습니다 ({digest})",
        "differs": "{file} 재현: 매니페스트와 다릅니다 ({digest} ≠ {expected})",
        "versions": "참고: 여기의 {package}는 {now}, 매니페스트는 {then}으로 만들었습니다",
        "image_changed": "매니페스트를 쓴 뒤 이미지 {path}가 바뀌었습니다 (sha256 {now} ≠ {then}).",
        "bad_manifest": "{path}는 resnet-viz 그림 매니페스트가 아닙니다: {reason}",
        "sheet_title": "resnet-viz 그림",
        "sheet_failed": "실패",
        "sheet_made": "만든 환경",
    },
}


@dataclass(frozen=True)
class FigureJob:
    """What one figure is made from, besides the image: the manifest records exactly this."""

    model: str | None
    weights: str
    device: str
    method: str
    target: str | None
    normalization: str
    options: FigureOptions
    formats: tuple[str, ...]


@dataclass
class BatchReport:
    written: list[dict] = field(default_factory=list)  # manifests
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, message)


def versions() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def collect_images(inputs: list[str], lang: str = "en") -> list[Path]:
    """Files as given; folders expanded to their images (sorted, recursive)."""
    found: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            images = images_in(path)
            if not images:
                raise ResnetVizError(pick(TEXT, "no_images", lang, path=path, suffixes=" ".join(IMAGE_SUFFIXES)))
            found += images
        elif path.exists():
            found.append(path)
        else:
            raise ResnetVizError(pick(TEXT, "not_found", lang, path=path))
    return found


def _unique_stem(path: Path, taken: set[str]) -> str:
    stem, n = path.stem, 2
    while stem in taken:
        stem, n = f"{path.stem}-{n}", n + 1
    taken.add(stem)
    return stem


def make_figure(loaded: LoadedModel, image_path: Path, job: FigureJob, out: Path, stem: str) -> dict:
    """Analyse one image, write its figures and its manifest; returns the manifest."""
    image_bytes = image_path.read_bytes()
    result = analyze(loaded, image_bytes, target=job.target, method=job.method, normalization=job.normalization)
    rendered = render_figure(result, job.options, job.formats)
    outputs = {}
    for fmt, data in rendered.items():
        name = f"{stem}.{fmt}"
        (out / name).write_bytes(data)
        outputs[fmt] = {"file": name, "sha256": sha256(data)}
    manifest = {
        "resnet_viz_figure_manifest": MANIFEST_VERSION,
        "image": str(image_path.resolve()),
        "image_sha256": sha256(image_bytes),
        "model": result.model_name,
        "weights": job.weights,
        "weights_label": result.weights_label,
        "weights_status": result.weights_status,
        "weights_note": loaded.weights_note,
        "device": job.device,
        "device_used": result.device,
        "method": job.method,
        "normalization": job.normalization,
        "target": job.target,
        "target_used": {"index": result.target.index, "label": result.target.label},
        "options": job.options.as_dict(),
        "formats": list(job.formats),
        "versions": versions(),
        "outputs": outputs,
    }
    (out / f"{stem}.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def run_batch(images: list[Path], job: FigureJob, out: Path, progress: bool = True) -> BatchReport:
    """Every image's figure; a file that fails is reported and the batch goes on."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    lang = job.options.lang
    loaded = load_model(job.model, job.weights, job.device)
    if not loaded.is_pretrained:
        print(pick(TEXT, "untrained", lang, note=message_in(loaded.weights_note, lang)), file=sys.stderr)
    report, taken = BatchReport(), set()
    bar = tqdm(images, desc=pick(TEXT, "progress", lang), unit="img", disable=not progress, file=sys.stderr)
    for path in bar:
        try:
            report.written.append(make_figure(loaded, path, job, out, _unique_stem(path, taken)))
        except Exception as err:  # noqa: BLE001 -- one bad file must not stop a lecture's batch
            message = err.render(lang) if isinstance(err, ResnetVizError) else f"{type(err).__name__}: {err}"
            report.failed.append((str(path), message))
            bar.write(pick(TEXT, "failed", lang, path=path, error=message), file=sys.stderr)
    (out / "index.html").write_text(contact_sheet(report, lang), encoding="utf-8")
    return report


def contact_sheet(report: BatchReport, lang: str = "en") -> str:
    """index.html: a thumbnail per figure linking to its files, and the failures."""
    esc = lambda text: html.escape(str(text))  # noqa: E731
    cards = []
    for manifest in report.written:
        files = manifest["outputs"]
        shown = files.get("png", files.get("svg", next(iter(files.values()))))["file"]
        links = " · ".join(f'<a href="{esc(f["file"])}">{fmt.upper()}</a>' for fmt, f in files.items())
        stem = Path(shown).stem
        cards.append(
            f'<figure><a href="{esc(shown)}"><img src="{esc(shown)}" alt="{esc(stem)}" loading="lazy"></a>'
            f"<figcaption><b>{esc(Path(manifest['image']).name)}</b> — {esc(manifest['target_used']['label'])} · "
            f"{esc(manifest['model'])} ({esc(manifest['weights_label'])}) · {esc(manifest['method'])}<br>"
            f'{links} · <a href="{esc(stem)}.json">JSON</a></figcaption></figure>'
        )
    failed = "".join(f"<li><code>{esc(path)}</code>: {esc(message)}</li>" for path, message in report.failed)
    failed_block = f'<h2>{esc(pick(TEXT, "sheet_failed", lang))}</h2><ul class="failed">{failed}</ul>' if failed else ""
    made = ", ".join(f"{k} {v}" for k, v in versions().items())
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(pick(TEXT, "sheet_title", lang))}</title>
<style>body{{font-family:system-ui,'Noto Sans CJK KR',sans-serif;margin:1.5em}}
main{{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}}
figure{{margin:0;border:1px solid #ddd;padding:.5em}} img{{width:100%}} .failed{{color:#b91c1c}}</style></head>
<body><h1>{esc(pick(TEXT, "sheet_title", lang))}</h1><main>{"".join(cards)}</main>{failed_block}
<p><small>{esc(pick(TEXT, "sheet_made", lang))}: {esc(made)}</small></p></body></html>
"""


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("resnet_viz_figure_manifest") != MANIFEST_VERSION:
            raise KeyError("resnet_viz_figure_manifest")
        return manifest
    except (OSError, ValueError, KeyError, AttributeError) as err:
        raise ResnetVizError(
            pick(TEXT, "bad_manifest", "en", path=path, reason=f"{type(err).__name__}: {err}")
        ) from None


def reproduce(manifest_path: Path, out: Path, lang: str | None = None) -> bool:
    """Redraw the figure a manifest describes into `out`; True when every file is byte-identical."""
    manifest = read_manifest(manifest_path)
    options = FigureOptions(**manifest["options"])
    lang = lang or options.lang
    for package, now in versions().items():
        then = manifest["versions"].get(package)
        if then and then != now:
            print(pick(TEXT, "versions", lang, package=package, now=now, then=then), file=sys.stderr)
    image_path = Path(manifest["image"])
    if not image_path.exists():  # a lecture folder moved to another machine: the image beside the manifest
        image_path = manifest_path.parent / image_path.name
    if not image_path.exists():
        raise ResnetVizError(pick(TEXT, "not_found", lang, path=manifest["image"]))
    if sha256(image_path.read_bytes()) != manifest["image_sha256"]:
        raise ResnetVizError(
            pick(
                TEXT,
                "image_changed",
                lang,
                path=image_path,
                now=sha256(image_path.read_bytes())[:12],
                then=manifest["image_sha256"][:12],
            )
        )
    job = FigureJob(
        manifest["model"],
        manifest["weights"],
        manifest["device"],
        manifest["method"],
        manifest["target"],
        manifest["normalization"],
        options,
        tuple(manifest["formats"]),
    )
    out.mkdir(parents=True, exist_ok=True)
    loaded = load_model(job.model, job.weights, job.device)
    stem = Path(manifest["outputs"][job.formats[0]]["file"]).stem
    made = make_figure(loaded, image_path, job, out, stem)
    identical = True
    for fmt, entry in manifest["outputs"].items():
        digest, expected = made["outputs"][fmt]["sha256"], entry["sha256"]
        key = "same" if digest == expected else "differs"
        identical &= digest == expected
        print(pick(TEXT, key, lang, file=out / entry["file"], digest=digest[:12], expected=expected[:12]))
    return identical


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"formats are a comma-separated list of {', '.join(FORMATS)}")
    return formats


def _figure_command(args: argparse.Namespace) -> int:
    lang = check_lang(args.lang)
    if args.from_manifest:
        return 0 if reproduce(Path(args.from_manifest), Path(args.out), lang) else 1
    if not args.images:
        raise ResnetVizError(pick(TEXT, "no_inputs", lang))
    images = collect_images(args.images, lang)
    lang = figure_lang(lang)  # Korean without a CJK font: English, with a warning, before any work
    options = FigureOptions(
        lang=lang,
        channels=args.channels,
        colormap=args.colormap,
        alpha=args.alpha,
        dark=args.dark,
        font_scale=args.font_scale,
    ).checked()
    job = FigureJob(
        args.model, args.weights, args.device, args.method, args.target, args.normalization, options, args.format
    )
    out = Path(args.out)
    report = run_batch(images, job, out, progress=not args.quiet)
    if args.channel_strip:
        from .channel_strip import write_strips

        write_strips(images, args.model, args.weights, args.device, args.channel_strip, out, lang)
    print(pick(TEXT, "summary", lang, ok=len(report.written), total=len(images), out=out, index=out / "index.html"))
    if report.failed:
        print(pick(TEXT, "errors", lang, n=len(report.failed)), file=sys.stderr)
        for path, message in report.failed:
            print(f"  {path}: {message}", file=sys.stderr)
        return 1
    return 0


def register(commands) -> None:
    """Add `figure` to the `resnet-viz` command's subparsers."""
    from .cli_options import add_model_options

    figure = commands.add_parser("figure", help="slide-ready composite figures (PNG/SVG/PDF) with manifests")
    figure.add_argument("images", nargs="*", help="image files and/or folders of images")
    add_model_options(figure, model_default=None)
    figure.add_argument("--out", default="figures", help="output folder (default: %(default)s)")
    figure.add_argument("--method", default="gradcam", choices=list(CAM_METHODS))
    figure.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    figure.add_argument("--normalization", default="per-stage", choices=["per-stage", "shared"])
    figure.add_argument("--lang", default="en", choices=["en", "ko"], help="labels and messages")
    figure.add_argument(
        "--format", default=FORMATS, type=parse_formats, help="comma-separated: png,svg,pdf (default: all)"
    )
    figure.add_argument("--channels", type=int, default=16, help="feature maps per stage, 8-64")
    figure.add_argument("--colormap", default="viridis", choices=list(COLORMAPS), help="feature-map colormap")
    figure.add_argument("--alpha", type=float, default=0.5, help="CAM overlay opacity, 0-1")
    figure.add_argument("--dark", action="store_true", help="dark background")
    figure.add_argument("--font-scale", type=float, default=1.0, help="0.5-2")
    figure.add_argument(
        "--from-manifest",
        default=None,
        metavar="M.json",
        help="redraw the figure a manifest describes (into --out) and check it is byte-identical",
    )
    figure.add_argument("--quiet", action="store_true", help="no progress bar")
    figure.add_argument(
        "--channel-strip",
        default=None,
        metavar="STAGE:CHANNEL",
        help="also a strip per photo: the channel's map, feature visualisation and dataset examples",
    )
    figure.set_defaults(handler=_figure_command)


def figure_files(result, options: FigureOptions, store: FileStore, formats: tuple[str, ...] = FORMATS) -> list[str]:
    """The figure of an analysis as files in the app's store, named by model, class and method (for downloads)."""
    rendered = render_figure(result, options, formats)
    label = "".join(c if c.isalnum() else "-" for c in result.target.label).strip("-")[:30]
    stem = f"figure-{result.model_name}-{label}-{result.method}-{options.lang}"
    return [store.write(data, fmt, stem) for fmt, data in rendered.items()]
