# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The data
#
# Table 2 of the paper counts tracks per genre in each data set. Here every count is computed:
# GTZAN and Ballroom from their audio folders when they are given, Extended Ballroom from its
# metadata file (which lists every track, with or without the audio). Without the full GTZAN, the
# embedded `gtzan_mini` (10 clips per genre) stands in and is labelled so.

# %% tags=["parameters"]
gtzan_dir = None  # None: the embedded gtzan_mini
ballroom_dir = None  # a folder holding BallroomData/
extended_ballroom_xml = None  # None: found through BBNN_MIRROR

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from bbnn_core.datasets import load_ballroom, load_dataset, load_extended_ballroom, load_gtzan
from bbnn_core.errors import BBNNError
from bbnn_core.features import log_mel
from bbnn_core.reports import plot_spectrograms, table2

gtzan = load_gtzan(gtzan_dir) if gtzan_dir else load_dataset("gtzan_mini")
sets = {"GTZAN" if gtzan_dir else "gtzan_mini (embedded subset of GTZAN)": gtzan}
if ballroom_dir:
    sets["Ballroom"] = load_ballroom(ballroom_dir)
try:
    sets["Extended Ballroom (from its XML)"] = load_extended_ballroom(xml=extended_ballroom_xml)
except BBNNError as exc:
    print(f"Extended Ballroom metadata unavailable: {exc}")

# %% [markdown]
# ## Table 2: tracks per genre

# %% tags=["hide-input"]
table2(sets).style.hide(axis="index")

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
for title, ds in sets.items():
    print(f"{title}: {len(ds)} tracks in {len(ds.classes)} genres")

# %% [markdown]
# The paper's totals are 1000 (GTZAN), 698 (Ballroom) and 4180 (Extended Ballroom). Extended
# Ballroom is strongly imbalanced, and its metadata links copies of the same song, which the
# `grouped` protocol keeps on one side of every split. Without Ballroom's audio, its column is
# absent: run this notebook with `-p ballroom_dir /path` to fill it.

# %% tags=["hide-input"]
for title, ds in sets.items():
    counts = ds.counts()
    small, large = min(counts, key=counts.get), max(counts, key=counts.get)
    groups = len(set(ds.groups))
    print(f"{title}: smallest genre {small} ({counts[small]}), largest {large} ({counts[large]}); "
          f"{groups} distinct songs (groups of copies) among {len(ds)} tracks")

# %% [markdown]
# ## What the network sees
#
# The log-mel input of the first clip of each genre: 647 frames (30 s) by 128 mel bands, in dB
# relative to a power of 1 (no normalisation, as the authors did), shown over each clip's 80 dB
# range.

# %% tags=["hide-input"]
first = {}
for track in gtzan.tracks:
    first.setdefault(track.label, track)
examples = {genre: log_mel(gtzan.root / t.path) for genre, t in first.items()}
plot_spectrograms(examples)
plt.show()
