# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The data
#
# The paper uses three data sets, and its Table 2 counts their tracks per genre. Here every count
# is computed: GTZAN and Ballroom from their audio folders when given, Extended Ballroom from its
# metadata file, which lists every track. Without the full GTZAN, the embedded `gtzan_mini`
# (10 clips per genre) stands in and is labelled so. A labelled folder of your own (the `own`
# parameter, which `bbnn book` sets for a chapter given other data) is counted beside them, and
# Figure 2.1 then draws its classes.

# %% tags=["parameters", "hide-input"]
gtzan_dir = None  # None: the embedded gtzan_mini
ballroom_dir = None  # a folder holding BallroomData/
extended_ballroom_xml = None  # None: found through BBNN_MIRROR
own = None  # {name: folder}: labelled folders of your own, counted in Table 2.1 and drawn in Figure 2.1

# %% tags=["remove-input"]
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
from bbnn_core.figures import Source, book_style, captioned, number_captions_for, show

number_captions_for("data")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
import pandas as pd
from IPython.display import display
from myst_nb import glue

from bbnn_core.datasets import load_ballroom, load_dataset, load_extended_ballroom, load_gtzan
from bbnn_core.errors import BBNNError
from bbnn_core.features import log_mel
from bbnn_core.paper import PAPER_DATASET_NAMES, PAPER_GENRE_NAMES, PAPER_TABLE2
from bbnn_core.plots import plot_spectrograms
from bbnn_core.reports import table2

book_style()

gtzan = load_gtzan(gtzan_dir) if gtzan_dir else load_dataset("gtzan_mini")
title_of_gtzan = "GTZAN" if gtzan_dir else "gtzan_mini (embedded subset of GTZAN)"
sets = {title_of_gtzan: gtzan}
if ballroom_dir:
    sets["Ballroom"] = load_ballroom(ballroom_dir)
eb = None
try:
    eb = load_extended_ballroom(xml=extended_ballroom_xml)
    sets["Extended Ballroom (from its XML)"] = eb
except BBNNError as exc:
    print(f"Extended Ballroom metadata unavailable: {exc}")
own_sets = {name: load_dataset(folder) for name, folder in (own or {}).items()}
sets |= {f"{name} (your data)": ds for name, ds in own_sets.items()}
# Figure 2.1 draws the first folder of your own, else GTZAN
drawn_name, drawn = next(iter(own_sets.items()), (title_of_gtzan, gtzan))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers the prose quotes.
texts = {"gtzan_tracks": str(len(gtzan)), "gtzan_genres": str(len(gtzan.classes))}
if eb is not None:
    counts = eb.counts()
    small, large = min(counts, key=counts.get), max(counts, key=counts.get)
    texts |= {"eb_tracks": str(len(eb)), "eb_genres": str(len(eb.classes)), "eb_small": small,
              "eb_small_n": str(counts[small]), "eb_large": large, "eb_large_n": str(counts[large]),
              "eb_songs": str(len(set(eb.groups))), "eb_copies": str(len(eb) - len(set(eb.groups)))}  # fmt: skip
for key, text in texts.items():
    glue(key, text, display=False)
print(texts)

# %% [markdown]
# ## Tracks per genre (the paper's Table 2)
#
# Table 2.1 counts the tracks of the data sets here: {glue:text}`gtzan_tracks` GTZAN clips in
# {glue:text}`gtzan_genres` genres, and {glue:text}`eb_tracks` Extended Ballroom tracks in {glue:text}`eb_genres` genres.

# %% tags=["hide-input"]
paper_totals = ", ".join(f"{PAPER_DATASET_NAMES[k]} {sum(c.values())}" for k, c in PAPER_TABLE2.items())
captioned(table2(sets).style.hide(axis="index"),
          f"Tracks per genre, counted from the files given (the paper's Table 2; its totals: {paper_totals}).",
          source=Source("bbnn_core.reports.table2", data="the data sets' folders and Extended Ballroom's metadata"))

# %% [markdown]
# Extended Ballroom is strongly imbalanced: {glue:text}`eb_small` has {glue:text}`eb_small_n` tracks, {glue:text}`eb_large`
# {glue:text}`eb_large_n`. Its metadata also links copies of the same song: its {glue:text}`eb_tracks` tracks hold
# {glue:text}`eb_songs` distinct songs. The `grouped` protocol keeps the copies of a song on one side of
# every split.

# %% [markdown]
# Ballroom's audio is not here, so Table 2.2 quotes its column of the paper's Table 2. This book
# names Ballroom's genres by the data set's folders. The paper names three of them otherwise.

# %% tags=["hide-input"]
if not ballroom_dir:
    names = PAPER_GENRE_NAMES["ballroom"]
    quoted = pd.DataFrame({"genre (folder)": list(PAPER_TABLE2["ballroom"]),
                           "the paper's name": [names.get(g, g) for g in PAPER_TABLE2["ballroom"]],
                           "tracks": list(PAPER_TABLE2["ballroom"].values())})
    quoted.loc[len(quoted)] = {"genre (folder)": "Total", "the paper's name": "", "tracks": int(quoted["tracks"].sum())}
    display(captioned(quoted.style.hide(axis="index"),
                      "Ballroom's tracks per genre, quoted from the paper's Table 2 (no audio here).",
                      source=Source("notebooks/data.py", data="bbnn_core/paper.py (quoted)")))

# %% [markdown]
# ## What the network sees
#
# Figure 2.1 shows the input of the first clip of each genre: 647 frames (30 s) by 128 mel bands,
# in dB relative to a power of 1. As the authors did, nothing is normalised. The features keep the
# 80 dB below each clip's maximum. Each panel is drawn relative to that maximum, so one colour bar
# holds for all of them. Below the figure are the first 5 s of each clip.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Log-mel spectrograms, one per genre (ten for GTZAN), time on the horizontal axis and mel frequency labelled in Hz."}}
first = {}
for track in drawn.tracks:
    first.setdefault(track.label, track)
examples = {genre: log_mel(drawn.root / t.path) for genre, t in first.items()}
show(plot_spectrograms(examples), f"The log-mel input of the first clip of each genre of {drawn_name}, in dB "
     "relative to each clip's maximum. Mel frequency is labelled in Hz.",
     source=Source("bbnn_core.plots.plot_spectrograms", data=f"{drawn_name.split(' ')[0]}'s audio"))

# %% tags=["hide-input"]
from IPython.display import HTML

from bbnn_core.plots import audio_player

HTML("".join(audio_player(drawn.root / t.path, t.path.name, seconds=5, kbps=48).data for t in first.values()))

# %% [markdown]
# ## GTZAN's known faults
#
# GTZAN is not a clean benchmark. Sturm listened to all 1000 excerpts and catalogued repetitions,
# mislabelings and distortions {cite}`sturm2012analysis,sturm2013gtzan`. Table 2.3 quotes his
# counts.

# %% tags=["hide-input"]
from bbnn_core.datasets import GTZAN_BROKEN, GTZAN_FAULTS, GTZAN_FAULTS_SOURCE, validate
from bbnn_core.splits import fault_filtered_lists, fault_filtered_part

lists = fault_filtered_lists()
kept = sum(len(v) for v in lists.values())
part = fault_filtered_part([str(t.path) for t in gtzan.tracks])
report = validate(gtzan, progress=False)
for key, value in {
    "ff_kept": str(kept), "ff_out": str(1000 - kept), "ff_here": str(sum(p is None for p in part)),
    "ff_parts": ", ".join(f"{len(v)} {k}" for k, v in lists.items()),
    "md5": str(sum(t.md5 is not None for t in gtzan.tracks)),
    "md5_result": "all match" if report.ok else "; ".join(report.lines()),
    "broken": GTZAN_BROKEN,
}.items():  # fmt: skip
    glue(key, value, display=False)
captioned(pd.DataFrame(GTZAN_FAULTS, columns=["fault", "excerpts", "what it means"]).style.hide(axis="index"),
          f"GTZAN's faults by kind, quoted from {GTZAN_FAULTS_SOURCE}.",
          source=Source("notebooks/data.py", data="bbnn_core.datasets.GTZAN_FAULTS (quoted)"))

# %% [markdown]
# The paper's splits draw test clips at random, and so do this book's `authors` and `kfold`
# protocols. A replica, another excerpt of the same recording or another song by the same artist
# can then sit on both sides of a split. The test accuracy can then reward recognising a
# recording or an artist, not a genre. None of the accuracies in the paper's Table 3 controls for this.
#
# Kereliuk, Sturm and Larsen {cite}`kereliuk2015adversaries` built a *fault-filtered* split. It
# leaves out the faulty excerpts and keeps each artist on one side. It keeps {glue:text}`ff_kept` of the
# 1000 excerpts ({glue:text}`ff_parts`) and leaves out {glue:text}`ff_out`. The `fault-filtered`
# protocol uses it. Of the {glue:text}`gtzan_tracks` clips here, it would leave out
# {glue:text}`ff_here`.
#
# One file is a fault of the copies in circulation rather than of the data set: `jazz.00054.wav`
# is not a WAV file in many copies, Kaggle's among them. The GTZAN loader leaves it out with a
# warning that names it, and the run goes on with the other clips. Every run records the clips it
# used in `splits.json`. `bbnn validate` compares every file with the MD5 checksums of an
# independent index (mirdata's). Here {glue:text}`md5` clips were compared: {glue:text}`md5_result`.

# %% [markdown]
# ## How to rerun this page
#
# With the data sets' folders (the folded parameters cell at the top lists each parameter):
#
# ```bash
# papermill notebooks/data.ipynb out.ipynb --cwd notebooks \
#     -p gtzan_dir /path/to/GTZAN -p ballroom_dir /path/to/Ballroom
# ```
#
# `bbnn validate /path/to/GTZAN` counts the tracks and names every unreadable file on its own.
