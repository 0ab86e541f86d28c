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
# # The network
#
# BBNN has four parts: a shallow convolution, a Broadcast Module of densely connected Inception
# blocks, a transition layer and a decision layer that averages over time and frequency. The
# network has {glue:text}`params` parameters, {glue:text}`without_bn` of them outside
# BatchNormalization; the paper's Table 1 gives {glue:text}`paper_total`. Every table and figure
# on this page is generated from `bbnn_core.model.build_bbnn`. That same code loads the authors'
# released weights and reproduces their outputs (chapter 6).

# %% tags=["parameters", "hide-input"]
n_classes = 10  # GTZAN: 10, Ballroom: 8, Extended Ballroom: 13

# %% tags=["remove-input"]
from bbnn_core.book import prepare_kernel

prepare_kernel()  # as the bbnn command: one TensorFlow inter-op thread; no widget warning
from bbnn_core.figures import Source, book_style, captioned, number_captions_for, show

number_captions_for("architecture")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
from bbnn_core.model import build_bbnn, count_params
from bbnn_core.paper import PAPER_TABLE1_TOTAL
from bbnn_core.plots import plot_architecture, plot_blocks
from bbnn_core.reports import table1

book_style()

model = build_bbnn(n_classes=n_classes)
counts = count_params(model)

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
# The numbers the prose quotes.
from myst_nb import glue

texts = {"params": f"{counts['total']:,}", "trainable": f"{counts['trainable']:,}",
         "without_bn": f"{counts['without_bn']:,}", "paper_total": f"{PAPER_TABLE1_TOTAL:,}"}
for key, text in texts.items():
    glue(key, text, display=False)
print(texts)

# %% [markdown]
# ## Configuration (the paper's Table 1)
#
# Each convolution in the Broadcast Module is the sequence BN-ReLU-Conv. In Table 1.1, *params*
# counts convolution and dense parameters as the paper's Table 1 does. *params with BN* adds the
# BatchNormalization in front of each convolution, and *paper* is the paper's figure.

# %% tags=["hide-input"]
t1 = table1(model)
captioned(t1.astype(object).fillna("").style.hide(axis="index"),
          "BBNN's layers with their output sizes and parameter counts, generated from the built model, "
          "beside the paper's Table 1.",
          source=Source("bbnn_core.reports.table1", data="bbnn_core.model.build_bbnn; the paper's Table 1 quoted"))

# %% [markdown]
# Where the paper's text and the released model differ, this book follows the model:
#
# - The text gives the Inception convolutions "stride 2", and max pooling "with stride 2 to halve
#   the resolution". In the released blocks every convolution and pooling has stride 1. The
#   resolution stays 161 × 128 through the module, as the output sizes of Table 1 say.
# - Table 1 lists the transition's pooling as "Max Pool". The text and the released model use
#   2 × 2 **average** pooling.

# %% [markdown]
# ## The Inception block and the Broadcast Module (the paper's Figure 1)
#
# Figure 1.1 reads branches, kernel sizes and channel counts off the built model. Its "top" and
# "bottom" rows are the two halves into which Table 1 splits each block. The paper's Figure 1 has
# three panels: (a) a DenseNet Dense block, (b) an Inception block and (c) the Broadcast Module.
# The Dense block is not part of BBNN, so it is not drawn here. Panel (a) below is the paper's (b),
# and panel (b) below is the paper's (c), where dense connections join the Inception blocks.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Diagram of one Inception block with its four branches, and of the Broadcast Module joining three blocks by dense connections."}}
show(plot_blocks(model), "(a) One Inception block and (b) the Broadcast Module, drawn from the built model, as "
     "the paper's Figure 1b and 1c.", source=Source("bbnn_core.plots.plot_blocks", data="bbnn_core.model.build_bbnn"))

# %% [markdown]
# ## The whole network (the paper's Figure 2)
#
# Figure 1.2 reads the output shapes off the built model. Green arcs are the broadcast (dense)
# connections: each concatenation receives the module's input and every earlier block's output.

# %% tags=["hide-input"] mystnb={"image": {"alt": "Diagram of the whole network from the log-mel input to the softmax, with each part's output shape and the dense connections as arcs."}}
show(plot_architecture(model).figure, "The whole network with the output shape of each part, as the paper's "
     "Figure 2. Green arcs are the broadcast (dense) connections.",
     source=Source("bbnn_core.plots.plot_architecture", data="bbnn_core.model.build_bbnn"))

# %% [markdown]
# ## How to rerun this page
#
# The page needs no data: it builds the model and draws it. For the head of Ballroom (8 classes)
# or Extended Ballroom (13 classes), set `n_classes`:
#
# ```bash
# papermill notebooks/architecture.ipynb out.ipynb -p n_classes 13
# ```
