"""Writes ``authors_gtzan_mini_probs.npz``: the probabilities of each of the authors' ten GTZAN
models for each of the 100 gtzan_mini clips, computed by Keras in float32 (the exact path).

    BBNN_MIRROR=... python tests/data/make_authors_probs.py

``tests/test_runtime.py`` checks a sample of it against Keras again, and compares the faster
runtimes with all of it.
"""

from pathlib import Path

import numpy as np

from bbnn_core.datasets import load_dataset
from bbnn_core.features import extract
from bbnn_core.model import load_authors_model
from bbnn_core.resources import authors_model_path
from bbnn_core.runtime import KerasRunner

fs = extract(load_dataset("gtzan_mini"), progress=False)
runner = KerasRunner([load_authors_model(authors_model_path("gtzan", k)) for k in range(10)])
probs = runner(fs.X[..., None]).astype(np.float32)  # (clips, models, genres)
np.savez_compressed(Path(__file__).with_name("authors_gtzan_mini_probs.npz"), probs=probs, tracks=np.array(fs.tracks))
print(probs.shape)
