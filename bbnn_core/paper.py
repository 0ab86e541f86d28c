"""Every number and table quoted from the paper, each with the table or page it comes from.

Caifeng Liu, Lin Feng, Guochao Liu, Huibing Wang, Shenglan Liu: "Bottom-up Broadcast Neural
Network for Music Genre Classification". These are quotations, never results of this project: every
page and check of the project reads them from here, and every table labels them as quoted.
The authors' released files (models, logs) are not quotations; :mod:`bbnn_core.resources` finds
them and :mod:`bbnn_core.metrics` computes from them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AUTHORS_REPOSITORY",
    "PAPER_ACCURACY",
    "PAPER_BALLROOM_TEXT_ACCURACY",
    "PAPER_LITERATURE",
    "PAPER_PER_CLASS",
    "PAPER_PER_CLASS_AVERAGE",
    "PAPER_PER_CLASS_TABLE",
    "PAPER_COMPARISON_TABLE",
    "PAPER_DATASET_NAMES",
    "PAPER_GENRE_NAMES",
    "PAPER_FIGURE_PANEL",
    "PAPER_TABLE1_PARAMS",
    "PAPER_TABLE1_TOTAL",
    "PAPER_TABLE2",
    "papers_classes",
    "PAPER_RECIPE",
    "table6_accuracy",
    "paper_train_clips",
]

AUTHORS_REPOSITORY = "https://github.com/CaifengLiu/music-genre-classification"

# BBNN's accuracy (%) as the paper publishes it: GTZAN Table 3, Ballroom Table 5, Extended
# Ballroom Table 7.
PAPER_ACCURACY = {"gtzan": 93.9, "ballroom": 96.7, "extended_ballroom": 97.2}


# The paper's Table 1 "Params" column (convolution and dense parameters, BatchNormalization
# excluded), row by row, for the checks and the side-by-side column.
PAPER_TABLE1_PARAMS = {
    ("SL", "Convolution"): 320,
    ("BM", "Inception (a), top"): 3_168,
    ("BM", "Inception (a), bottom"): 35_936,
    ("BM", "Inception (b), top"): 15_456,
    ("BM", "Inception (b), bottom"): 40_032,
    ("BM", "Inception (c), top"): 27_744,
    ("BM", "Inception (c), bottom"): 44_128,
    ("TL", "Convolution"): 13_344,
    ("DL", "Softmax"): 330,
}


# The paper's Table 3 (GTZAN): accuracies it quotes from the literature, and its own result.
# These are quotations, not results of this project; the comparison table labels them so.
PAPER_LITERATURE = {
    "gtzan": [
        ("AuDeep (Freitag et al., 2017)", "mel-spectrogram", 85.4),
        ("NNet2 (Zhang et al., 2016)", "STFT", 87.4),
        ("Hybrid model (Karunakaran and Arya, 2018)", "MFCC, SSD, etc.", 88.3),
        ("Transform learning (Choi et al., 2017)", "MFCC", 89.8),
        ("CVAF (Nanni et al., 2017)", "mel-spectrogram, SSD, etc.", 90.9),
        ("MFMCNN (Senac et al., 2017)", "STFT, ZCR, etc.", 91.0),
        ("Multi-DNN (Dai et al., 2015)", "MFCC", 93.4),
        ("BBNN, as published (Liu et al.)", "mel-spectrogram", PAPER_ACCURACY["gtzan"]),
    ],
}

# Tables 5 (Ballroom) and 7 (Extended Ballroom), quoted the same way.
PAPER_LITERATURE["ballroom"] = [
    ("MMCNN (Pons et al., 2016)", "mel-spectrogram", 87.6),
    ("MCLNN (Medhat et al., 2017)", "mel-spectrogram", 90.4),
    ("Pons et al. (Pons and Serra, 2017)", "mel-spectrogram", 92.1),
    ("Marchand et al. (Marchand and Peeters, 2014)", "MSS", 93.1),
    ("SOTA (Marchand and Peeters, 2016b; recall)", "MASSS", 96.0),
    ("BBNN, as published in Table 5 (Liu et al.)", "mel-spectrogram", PAPER_ACCURACY["ballroom"]),
]
PAPER_LITERATURE["extended_ballroom"] = [
    ("Transform learning (Choi et al., 2017)", "MFCC", 86.7),
    ("RWCNN (Pons and Serra, 2018)", "MFCC", 89.8),
    ("DLR (Jeong et al., 2017)", "mel-spectrogram", 93.7),
    ("SOTA (Marchand and Peeters, 2016b; recall)", "MASSS", 94.9),
    ("BBNN, as published (Liu et al.)", "mel-spectrogram", PAPER_ACCURACY["extended_ballroom"]),
]

# The paper's Tables 4 (GTZAN), 6 (Ballroom) and 8 (Extended Ballroom): precision, recall,
# F-score (%) per genre.
PAPER_PER_CLASS = {
    "gtzan": {
        "blues": (90.8, 97.0, 93.8),
        "classical": (98.9, 97.9, 98.4),
        "country": (89.8, 97.7, 93.6),
        "disco": (98.2, 91.8, 94.9),
        "hiphop": (93.0, 94.9, 93.9),
        "jazz": (99.0, 99.0, 99.0),
        "metal": (86.1, 98.7, 92.0),
        "pop": (94.3, 94.3, 94.3),
        "reggae": (94.2, 88.1, 91.1),
        "rock": (93.3, 80.7, 86.6),
    },
}

PAPER_PER_CLASS["ballroom"] = {
    "ChaChaCha": (100.0, 96.2, 98.0),
    "Jive": (97.9, 94.1, 96.0),
    "Quickstep": (96.4, 100.0, 98.1),
    "Rumba": (97.0, 94.2, 95.6),
    "Samba": (95.0, 97.4, 96.2),
    "Tango": (98.8, 98.8, 98.8),
    "VienneseWaltz": (98.5, 94.3, 96.4),
    "Waltz": (94.3, 100.0, 97.0),
}
PAPER_PER_CLASS["extended_ballroom"] = {
    "Chacha": (98.1, 98.5, 98.3),
    "Foxtrot": (98.8, 99.6, 99.2),
    "Jive": (98.5, 99.4, 98.9),
    "Pasodoble": (96.0, 94.2, 95.1),
    "Quickstep": (99.6, 99.0, 99.3),
    "Rumba": (96.7, 94.5, 95.6),
    "Salsa": (94.9, 91.8, 93.3),
    "Samba": (97.5, 98.7, 98.1),
    "Slowwaltz": (80.7, 71.1, 75.6),
    "Tango": (99.0, 95.3, 97.1),
    "Viennesewaltz": (96.8, 97.7, 97.3),
    "Waltz": (93.1, 98.1, 95.5),
    "Wcswing": (78.5, 57.8, 66.6),
}
# Which table of the paper holds each data set's per-genre precision, recall and F-score.
PAPER_PER_CLASS_TABLE = {"gtzan": 4, "ballroom": 6, "extended_ballroom": 8}
# The data sets' names as the paper writes them.
PAPER_DATASET_NAMES = {"gtzan": "GTZAN", "ballroom": "Ballroom", "extended_ballroom": "Extended Ballroom"}

# The paper's Table 2 names the genres of Ballroom and Extended Ballroom as below, where they differ
# from the data sets' folder and metadata names that this book's tables use (its spelling kept).
PAPER_GENRE_NAMES = {
    "ballroom": {"ChaChaCha": "Cha Cha", "VienneseWaltz": "Viennese Waltz", "Waltz": "Slow Waltz"},
    "extended_ballroom": {
        "Chacha": "Cha Cha", "Viennesewaltz": "Viennese Waltz", "Slowwaltz": "Slow Walz", "Wcswing": "Weswing",
    },
}  # fmt: skip
# Which table compares each data set's accuracy with the literature.
PAPER_COMPARISON_TABLE = {"gtzan": 3, "ballroom": 5, "extended_ballroom": 7}
# Each data set's panel of Figure 3 (loss curves) and of Figure 4 (confusion matrices).
PAPER_FIGURE_PANEL = {"gtzan": ("a", "left"), "ballroom": ("b", "middle"), "extended_ballroom": ("c", "right")}

# The "Average" row each of Tables 4, 6 and 8 prints (precision, recall, F-score, %). Not the
# mean of the rows above it: GTZAN's rows average to 93.8 / 94.0 / 93.8.
PAPER_PER_CLASS_AVERAGE = {
    "gtzan": (93.7, 94.0, 93.7),
    "ballroom": (97.2, 96.9, 97.0),
    "extended_ballroom": (94.5, 92.0, 93.1),
}

# Ballroom: the paper's text (abstract and section 4.3) gives 97.1 %, its Table 5 96.7 %.
PAPER_BALLROOM_TEXT_ACCURACY = 97.1

# Table 1's total ("Total Params"): convolution and dense parameters, BatchNormalization excluded.
PAPER_TABLE1_TOTAL = 180_458

# Table 2: tracks per genre. GTZAN and Ballroom as the data sets are distributed; Extended
# Ballroom as the paper lists it (its XML gives the same counts).
PAPER_TABLE2 = {
    "gtzan": {
        g: 100 for g in ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
    },
    # the paper's "Cha Cha" and "Slow Waltz" are the data set's ChaChaCha and Waltz folders
    "ballroom": {
        "ChaChaCha": 111,
        "Jive": 60,
        "Quickstep": 82,
        "Rumba": 98,
        "Samba": 86,
        "Tango": 86,
        "VienneseWaltz": 65,
        "Waltz": 110,
    },
    "extended_ballroom": {
        "Chacha": 455,
        "Jive": 350,
        "Quickstep": 497,
        "Rumba": 470,
        "Samba": 468,
        "Tango": 464,
        "Viennesewaltz": 252,
        "Waltz": 529,
        "Foxtrot": 507,
        "Pasodoble": 53,
        "Salsa": 47,
        "Slowwaltz": 65,
        "Wcswing": 23,
    },
}

# Section 3.3 and the authors' training notebook: the recipe bbnn_core.train's paper profile runs.
PAPER_RECIPE: dict[str, Any] = {
    "optimizer": "Adam",
    "learning_rate": 0.01,
    "batch_size": 8,
    "epochs": 100,
    "lr_factor": 0.5,  # ReduceLROnPlateau on the training loss
    "lr_patience": 3,
    "es_min_delta": 0.01,  # EarlyStopping on the training loss
    "es_patience": 10,
    "folds": 10,
}


def paper_train_clips(dataset: str) -> int:
    """Training clips per run in the paper's "8/1/1" split of a data set (Table 2's count): 800 of
    GTZAN's 1000 clips. 0 for a data set the paper does not use."""
    return int(0.8 * sum(PAPER_TABLE2.get(dataset, {}).values()))


def table6_accuracy() -> float:
    """The Ballroom accuracy (%) that the paper's own Table 6 implies: its per-genre recalls weighted
    by Table 2's track counts (the paper's text gives 97.1 %, its Table 5 96.7 %)."""
    counts = PAPER_TABLE2["ballroom"]
    return sum(PAPER_PER_CLASS["ballroom"][g][1] * n for g, n in counts.items()) / sum(counts.values())


def papers_classes(dataset: str, classes) -> bool:
    """Whether ``classes`` are those of the paper's ``dataset`` (a copy of GTZAN, say), not a
    user's own folder given in its place."""
    return set(classes) == set(PAPER_TABLE2[dataset])
