"""bbnn_core: the library behind bbnn-book, a tested re-implementation of BBNN.

Liu et al., "Bottom-up Broadcast Neural Network for Music Genre Classification".

Public API::

    from bbnn_core import build_bbnn, load_authors_model      # model (imports Keras)
    from bbnn_core import log_mel, extract, FeatureParams     # features
    from bbnn_core import load_dataset, validate              # data sets
    from bbnn_core import BBNNError                           # errors

The model functions import Keras lazily, so feature extraction and data handling never load a
deep-learning backend.
"""

import os as _os
import sys as _sys
import warnings as _warnings

# Training is bit-for-bit repeatable only with one TensorFlow inter-op thread (BBNN's parallel
# branches otherwise run as concurrent ops that share the intra-op pool and reorder sums; see
# bbnn_core.train.determinism_settings). It can only be set before TensorFlow starts, so it is set
# here, unless the user chose otherwise or TensorFlow already runs. Each op still uses every core;
# measured, it costs nothing (benchmarks/bench_train.py, project vs project-nondet).
if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

from .datasets import Dataset, Track, load_dataset, validate
from .errors import AudioError, BBNNError, DatasetError, ModelError, ParameterError, ResourceError
from .features import PAPER_PARAMS, FeatureParams, FeatureSet, extract, load_audio, log_mel

# librosa imports pooch, which imports tqdm.auto: in a notebook without ipywidgets that warns
# "IProgress not found" (with this machine's paths) although nothing here draws a widget
# (bbnn_core.progress uses plain tqdm, and downloads run without a bar)
_warnings.filterwarnings("ignore", message="IProgress not found")

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
