"""Only what pyproject.toml cannot say: the repository's assets/ installed as resnet_viz/_assets.

assets/ stays at the repository root (a Hugging Face Space runs app.py from there, and the README
shows its pictures); a wheel carries it as package data. resnet_viz/package_data.py finds it either way.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["resnet_viz", "resnet_viz.*"]), "resnet_viz._assets"],
    package_dir={"resnet_viz._assets": "assets"},
    package_data={"resnet_viz._assets": ["**/*"]},  # every file, new folders too (assets/study/ ...)
)
