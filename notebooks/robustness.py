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
# # Beyond the paper: how robust the released models are
#
# The paper reports one number per data set, for clean 30 s clips at 22.05 kHz. A user's music is
# rarely that: it is an MP3, at 44.1 kHz, stereo, louder or quieter, sometimes a short excerpt.
# This chapter measures what each of those does to the authors' ten released GTZAN models
# (one per fold; `bbnn predict` averages them), on the clips of the embedded gtzan_mini, and ends
# with a sentence per factor saying what a user should do.
#
# ```{admonition} Read the accuracies as relative
# :class: warning
# Most gtzan_mini clips were in the authors' training sets (each of their models was trained on
# 80 % of GTZAN), so the accuracies here are optimistic in absolute terms. What the chapter
# reports is how far each condition moves them from the clean input, per model, with a 95 %
# Student-t interval over the ten models, and how many predictions change at all.
# ```
#
# Every number comes from `bbnn robustness`, which applies each condition to every clip and lets
# every model predict it (the last section says how to rerun it).

# %% tags=["parameters", "hide-input"]
data_dir = None  # None: the embedded gtzan_mini; else a labelled folder with GTZAN's genres
model = "authors-gtzan"  # as bbnn predict --model
saved = "../results/robustness-gtzan_mini"  # rows written by bbnn robustness --out (read when current)
runtime = "auto"  # auto | openvino | keras
precision = "f32"  # f32 (the exact path; the committed rows ran at it) | bf16 | auto (bf16 where native)
listen_model = "authors-gtzan:0"  # the model whose occlusion and saliency maps are drawn

# %% tags=["hide-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("robustness")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
import matplotlib.pyplot as plt
from IPython.display import Markdown
from myst_nb import glue

from bbnn_core import attribution as at
from bbnn_core import robustness as rb
from bbnn_core.datasets import load_dataset
from bbnn_core.predict import load_ensemble
from bbnn_core.plots import plot_factor, plot_occlusion, plot_occlusion_clips, plot_saliency
from bbnn_core.reports import book_style, captioned, figure_image

book_style()

ds = load_dataset(data_dir or "gtzan_mini")
ensemble = load_ensemble(model, runtime=runtime, precision=precision)
rows = rb.study(ds, ensemble, saved=saved)
summary = rb.summarize(rows)
key = rb.study_key(ds, ensemble)
clean = summary[summary.factor == "clean"].iloc[0]
Markdown(
    f"**{clean.clips} clips, {clean.models} models** ({model}), run on {key['runtime']} at {key['precision']}; "
    f"on the clean clips the models' accuracy is {100 * clean.accuracy:.1f} % on average "
    f"(from {100 * clean.accuracy_min:.0f} % to {100 * clean.accuracy_max:.0f} % per model)."
)

# %% [markdown]
# ## Summary
#
# Per condition (each is described in the section "The conditions", near the end): the mean
# accuracy of the ten models [lowest–highest model]; its change from the clean input, paired per
# model, with a 95 % Student-t interval over the models; and how many of the clips' predictions
# change (mean over the models, per 100 clips). The sections after it look at each factor.

# %% tags=["hide-input"]
captioned(rb.summary_table(summary).style.hide(axis="index"),
          f"The authors' {clean.models} GTZAN models under each condition, on {clean.clips} clips.")

# %% [markdown]
# ## What a user should do
#
# Decided from the table by code: a level is tolerated when it changes at most 5 of 100
# predictions (mean over the models).

# %% tags=["hide-input"]
Markdown("\n".join(f"- {sentence}" for sentence in rb.advice(summary).values()))

# %% [markdown]
# ## Excerpt length

# %% tags=["hide-input", "remove-output"]
def figure(factor):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    plot_factor(rows, factor, axes=axes)
    fig.tight_layout()
    glue(f"fig-{factor}", figure_image(fig), display=False)


for factor in ("length", "codec", "rate", "gain", "noise", "stereo", "features"):
    figure(factor)

# %% [markdown]
# ```{glue:figure} fig-length
# :name: fig-robust-length
#
# Accuracy (left) and agreement with the 30 s prediction (right) for the first 3 to 20 s of each
# clip: padded with silence to 30 s (blue) and given to the model at its own length, as
# `bbnn predict` does (orange). Each model thin, the mean of the ten thick. `bbnn predict` padded
# short files until this figure showed the cost.
# ```

# %% [markdown]
# ## Lossy coding
#
# ```{glue:figure} fig-codec
# :name: fig-robust-codec
#
# Accuracy and agreement with the clean prediction after MP3 and Ogg Vorbis coding (WAV: the
# clean clip). Each model thin, the mean thick.
# ```
#
# ## Sample rate
#
# ```{glue:figure} fig-rate
# :name: fig-robust-rate
#
# The audio stored at another sample rate and resampled back to 22.05 kHz on loading (22.05 kHz:
# the clean clip). Each model thin, the mean thick.
# ```
#
# ## Gain
#
# ```{glue:figure} fig-gain
# :name: fig-robust-gain
#
# The clip made louder or quieter (clipped to [−1, 1]); 0 dB is the clean clip. The log-mel input
# is in dB relative to a fixed power (as the authors computed it), so a gain shifts the whole
# input. Each model thin, the mean thick.
# ```
#
# ## Noise
#
# ```{glue:figure} fig-noise
# :name: fig-robust-noise
#
# White noise added at a signal-to-noise ratio from 0 to 30 dB. Each model thin, the mean thick.
# ```
#
# ## Stereo
#
# ```{glue:figure} fig-stereo
# :name: fig-robust-stereo
#
# A stereo file whose channels differ by a 1 ms delay, mixed down to mono by the loader: the
# mix is the clip through a comb filter (notches at 500 Hz, 1.5 kHz, 2.5 kHz, ...).
# ```
#
# ## Preprocessing mistakes
#
# ```{glue:figure} fig-features
# :name: fig-robust-features
#
# The same audio under the feature mistakes users make, beside the authors' features ("ours":
# dB relative to a power of 1, floored 80 dB below each clip's maximum, 2048-point FFT). This is
# also the check that the book's features are the authors': any of the common variants loses
# most of the accuracy.
# ```

# %% [markdown]
# ## What the network listens to
#
# Two views of what drives a decision, for one of the released models (fold 0; the parameter
# `listen_model` chooses another) on every clip. *Occlusion*: the log-mel input is cut into 8
# time segments by 8 mel bands; each of the 64 patches in turn is set to the clip's floor (silence
# in the input) and the drop in the true genre's probability is recorded. *Gradient saliency*:
# the magnitude of the derivative of the true genre's probability with respect to each input
# value, summed over time: which frequencies the decision is most sensitive to.

# %% tags=["hide-input", "remove-output"]
listen = load_ensemble(listen_model, runtime=runtime, precision=precision)
occ, sal = at.listening(ds, listen, saved=saved)
from bbnn_core.features import PAPER_PARAMS

patch_s = PAPER_PARAMS.n_frames * PAPER_PARAMS.hop_length / PAPER_PARAMS.sr / at.OCCLUSION_GRID[0]
glue("occ-seconds", f"{patch_s:.2f} s", display=False)
glue("occ-bands", f"{PAPER_PARAMS.n_mels // at.OCCLUSION_GRID[1]}", display=False)
glue("fig-occlusion", figure_image(plot_occlusion(occ, ds.classes)), display=False)
glue("fig-saliency", figure_image(plot_saliency(sal, ds.classes)), display=False)

# %% [markdown]
# ```{glue:figure} fig-occlusion
# :name: fig-robust-occlusion
#
# Occlusion sensitivity per genre: the mean drop in the true genre's probability when a patch
# of {glue:text}`occ-seconds` by {glue:text}`occ-bands` mel bands is silenced, over the genre's clips (frequency in Hz on the mel
# scale). Red: hiding the patch lowers the probability (the decision rests on it); blue: hiding
# it raises the probability (the patch pointed to another genre). A clip the model is certain
# of (probability near 1 however it is cut) shows no colour.
# ```
#
# ```{glue:figure} fig-saliency
# :name: fig-robust-saliency
#
# Gradient saliency per genre, summed over time and normalised per clip to sum to 1, mean over
# the genre's clips: the share of the decision's sensitivity in each mel band.
# ```

# %% [markdown]
# Three clips to listen to, with their occlusion maps (the first 6 s of each clip):

# %% tags=["hide-input"]
from bbnn_core.plots import audio_player

examples = at.listening_examples(occ, ds, k=3)
for track, path in examples:
    display(audio_player(path, track))
glue("fig-occlusion-clips", figure_image(plot_occlusion_clips(occ, [t for t, _ in examples], ds.classes)),
     display=False)

# %% [markdown]
# ```{glue:figure} fig-occlusion-clips
# :name: fig-robust-occlusion-clips
#
# Occlusion maps of the three clips above, drawn as the per-genre maps: the drop in the clip's
# true-genre probability when each patch is silenced.
# ```

# %% [markdown]
# ## The conditions
#
# Each condition changes the clip the way a user's audio differs from GTZAN's, through the
# project's own audio path (the loader of `bbnn predict`, its resampler and decoder):

# %% tags=["hide-input"]
captioned(rb.conditions_table(), "The conditions: each factor's levels and how they are made.")

# %% tags=["hide-input"]
codec = rb.codec_bitrates(ds)
Markdown(
    "Measured from the encoded files of the first clip: "
    + ", ".join(f"{name} {kbps:.0f} kbit/s" for name, kbps in codec.items())
    + "."
)

# %% [markdown]
# ## How to rerun this page
#
# The rows of `bbnn robustness` for the embedded data are committed with the book and read here
# when they are current (same clips, model files, runtime, precision and code); otherwise this
# page computes them (every condition of every clip through every model: long on a CPU; each
# finished condition is cached, so an interrupted build resumes). On other data:
#
# ```bash
# bbnn robustness /path/to/GTZAN --maps authors-gtzan:0 \
#     --precision f32 --out runs/robustness-gtzan
# papermill notebooks/robustness.ipynb out.ipynb \
#     -p data_dir /path/to/GTZAN -p saved runs/robustness-gtzan
# ```
