"""bbnn_core: the library behind bbnn-book, a tested re-implementation of BBNN.

Liu et al., "Bottom-up Broadcast Neural Network for Music Genre Classification".

Public API::

    from bbnn_core import build_bbnn, load_authors_model      # model (imports Keras)
    from bbnn_core import log_mel, extract, FeatureParams     # features
    from bbnn_core import load_dataset, validate              # data sets
    from bbnn_core import BBNNError                           # errors

The model functions import Keras lazily, so feature extraction and data handling never load a
deep-learning backend. Importing the package sets no environment variable and no warnings filter:
the command line (``bbnn``), the notebooks and the tests set what they need themselves (see
:func:`bbnn_core.train.prepare_process`).
"""

from .audio import load_audio
from .datasets import Dataset, Track, load_dataset, validate
from .errors import AudioError, BBNNError, DatasetError, ModelError, ParameterError, ResourceError
from .features import PAPER_PARAMS, FeatureParams, FeatureSet, extract, log_mel

__version__ = "0.1.0"

__all__ = [
    "build_bbnn",
    "load_authors_model",
    "count_params",
    "count_flops",
    "log_mel",
    "load_audio",
    "extract",
    "FeatureParams",
    "FeatureSet",
    "PAPER_PARAMS",
    "Dataset",
    "Track",
    "load_dataset",
    "validate",
    "BBNNError",
    "AudioError",
    "DatasetError",
    "ModelError",
    "ParameterError",
    "ResourceError",
]


def __getattr__(name):
    if name in ("build_bbnn", "load_authors_model", "count_params", "count_flops"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'bbnn_core' has no attribute {name!r}")
