"""Errors a user can fix: their message is shown as is in the UI and the CLI."""


class ResnetVizError(ValueError):
    """Base class: the message is meant for the person who gave the input."""


class ImageInputError(ResnetVizError):
    """The uploaded file is not an image we can analyse."""


class CheckpointError(ResnetVizError):
    """A local checkpoint or class-names file cannot be used."""


class ModelChoiceError(ResnetVizError):
    """Unknown model, weights, device, method or class."""
