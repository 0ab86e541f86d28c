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
# BBNN as the authors built it: a shallow convolution, a Broadcast Module of densely connected
# Inception blocks, a transition layer and a global-average-pooling decision layer. Everything on
# this page is generated from `bbnn_core.model.build_bbnn`, the same code whose weights are checked
# against the authors' released models.

# %% tags=["parameters", "hide-input"]
n_classes = 10  # GTZAN: 10, Ballroom: 8, Extended Ballroom: 13

# %% tags=["hide-input"]
from bbnn_core.figures import number_captions_for

number_captions_for("architecture")  # captions "Table <chapter>.<n>": never taken for the paper's numbers
from bbnn_core.model import build_bbnn, count_params
from bbnn_core.paper import PAPER_TABLE1_TOTAL
from bbnn_core.reports import book_style, captioned, plot_architecture, plot_blocks, show, table1

book_style()

model = build_bbnn(n_classes=n_classes)
counts = count_params(model)

# %% [markdown]
# ## Configuration (the paper's Table 1)
#
# Each convolution in the Broadcast Module is the sequence BN-ReLU-Conv. *params* counts
# convolution and dense parameters the way the paper's Table 1 does; *params with BN* adds the
# BatchNormalization in front of each convolution; *paper* is the paper's figure.

# %% tags=["hide-input"]
t1 = table1(model)
captioned(t1.astype(object).fillna("").style.hide(axis="index"),
          "BBNN's layers with their output sizes and parameter counts, generated from the built model, "
          "beside the paper's Table 1.")

# %% tags=["hide-input"]
# NBVAL_CHECK_OUTPUT
print(f"parameters: {counts['total']:,} in all, {counts['trainable']:,} trainable, "
      f"{counts['without_bn']:,} without BatchNormalization (the paper's total: {PAPER_TABLE1_TOTAL:,})")

# %% [markdown]
# Where the paper's text and the released model differ, the model is what is reproduced here:
#
# - the paper describes the Inception convolutions "with stride 2" and max pooling "with stride 2
#   to halve the resolution"; every convolution and pooling inside the released blocks has
#   stride 1 (the resolution stays 161 x 128 through the module, as the paper's Table 1 gives the output sizes);
# - the paper's Table 1 lists the transition pooling as "Max Pool"; the text and the released model use
#   2 x 2 **average** pooling.

# %% [markdown]
# ## The Inception block and the Broadcast Module (the paper's Figure 1)
#
# Branches, kernel sizes and channel counts are read off the built model. The "top" and "bottom"
# rows are the two halves into which Table 1 splits each block. The paper's Figure 1 has three
# panels: (a) a DenseNet Dense block and (b) an Inception block, the two prior structures BBNN
# combines, and (c) the Broadcast Module. Its Dense block is not part of BBNN, so it is not drawn
# here: panel (a) below is the paper's (b), drawn from this model, and panel (b) below the
# paper's (c), where the dense connectivity of (a) joins the Inception blocks.

# %% tags=["hide-input"]
show(plot_blocks(model), "(a) One Inception block and (b) the Broadcast Module, drawn from the built model (the "
     "paper's Figure 1b and 1c; its Dense-block panel 1a is not part of BBNN).")

# %% [markdown]
# ## The whole network (the paper's Figure 2)
#
# Output shapes are read off the built model. Green arcs are the broadcast (dense) connections:
# each concatenation receives the module's input and every earlier block's output.

# %% tags=["hide-input"]
show(plot_architecture(model).figure, "The whole network, output shapes read off the built model; green arcs are the "
     "broadcast (dense) connections (the paper's Figure 2).")

# %% [markdown]
# ## How to rerun this page
#
# The page needs no data: it builds the model and draws it. For the Ballroom or Extended
# Ballroom head (8 or 13 classes; the folded parameters cell at the top lists the parameter):
#
# ```bash
# papermill notebooks/architecture.ipynb out.ipynb -p n_classes 13
# ```
