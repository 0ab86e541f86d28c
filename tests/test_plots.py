"""The paper's figures drawn from the model, histories and audio: what each panel shows is read off
its input (shapes off the built model, kept weights off the validation accuracy)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def test_figure1_and_figure2_draw_from_the_model(tmp_path):
    from bbnn_core.model import build_bbnn
    from bbnn_core.plots import plot_architecture, plot_blocks

    model = build_bbnn()
    fig = plot_blocks(model)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "concat (128 ch)" in texts and "concat: 416 ch" in texts
    assert sum("5x5, 32" in t for t in texts) == 1
    ax = plot_architecture(model)
    assert "161x128\n416 ch" in [t.get_text() for t in ax.texts]  # shapes read off the built model
    fig.savefig(tmp_path / "f1.png")


def test_fold_accuracy_axis_shows_differences_and_one_numbering():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from bbnn_core.plots import plot_fold_accuracies

    authors = pd.DataFrame(
        {
            "fold": [1, 2, 3],
            "train_acc": [0.93, 0.92, 0.95],
            "val_acc": [0.93, 0.95, 0.9],
            "test_acc": [0.91, 0.86, 0.94],
        }
    )
    ax = plot_fold_accuracies(authors)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_ylim() == (0.8, 1.0)  # not 0-1.12: 0.86 and 0.94 look different


def test_loss_mean_only_over_epochs_every_fold_reached():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from bbnn_core.plots import plot_histories

    h = pd.concat(
        [
            pd.DataFrame({"fold": k, "epoch": range(n), "loss": 1.0 + k, "val_loss": 2.0 + k})
            for k, n in ((0, 10), (1, 4))
        ]
    )
    ax = plot_histories(h)
    means = [line for line in ax.get_lines() if line.get_linewidth() == 2]
    assert len(means) == 2 and all(max(line.get_xdata()) == 3 for line in means)


def test_loss_figure_marks_the_kept_weights_and_draws_the_learning_rate():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from bbnn_core.plots import plot_histories

    h = pd.concat(
        [
            pd.DataFrame(
                {
                    "fold": k,
                    "epoch": range(6),
                    "loss": 1.0,
                    "val_loss": [2.0, 1.5, 1.2, 1.1, 1.3, 1.4],
                    "val_acc": [0.1, 0.5, best, 0.4, best, 0.2] if k == 0 else [0.1, 0.9, 0.3, 0.3, 0.3, 0.3],
                    "lr": [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025],
                }
            )
            for k, best in ((0, 0.8), (1, None))
        ]
    )
    fig, (ax, lr_ax) = plt.subplots(2, 1, sharex=True)
    plot_histories(h, ax=ax, lr_ax=lr_ax, legend=False)
    kept = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(kept) == 1  # the first epoch of best validation accuracy of each fold, on its validation loss
    assert list(kept[0].get_xdata()) == [2, 1] and list(kept[0].get_ydata()) == [1.2, 1.5]
    assert len(lr_ax.get_lines()) == 2 and ax.get_legend() is None
    assert [t.get_text() for t in lr_ax.get_yticklabels()] == ["0.0025", "0.01"]
    plt.close(fig)


def test_spectrograms_share_one_colour_scale_and_label_the_mel_axis_in_hz():
    import matplotlib.pyplot as plt

    from bbnn_core.features import PAPER_PARAMS
    from bbnn_core.plots import plot_spectrograms

    rng = np.random.default_rng(0)
    loud = rng.uniform(-40, 20, (PAPER_PARAMS.n_frames, PAPER_PARAMS.n_mels))
    examples = {"loud": loud, "quiet": loud - 30, "third": loud / 2}
    fig = plot_spectrograms(examples, ncols=2)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["loud", "quiet", "third"]
    # each panel relative to its own maximum: a clip 30 dB quieter draws the same picture
    np.testing.assert_allclose(panels[0].images[0].get_array(), panels[1].images[0].get_array())
    assert all(ax.images[0].get_clim() == (-PAPER_PARAMS.top_db, 0) for ax in panels)
    assert sum(1 for ax in fig.axes if not ax.axison) == 1  # the fourth cell of the 2 x 2 grid is empty
    assert any("Hz" in ax.get_ylabel() for ax in panels)
    plt.close(fig)


def test_audio_player_embeds_the_excerpt_asked_for_as_mp3():
    import base64
    import re

    from bbnn_core.errors import ParameterError
    from bbnn_core.plots import audio_player

    sr = 22050
    t = np.arange(10 * sr) / sr
    tone = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    player = audio_player(tone, "a <tone>", sr=sr, start=2, seconds=3, kbps=48)
    assert "a &lt;tone&gt; (2-5 s)" in player.data  # the title escaped, the excerpt named
    data = base64.b64decode(re.search(r"base64,([^\"]+)", player.data).group(1))
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 stream
    assert 3 * 48000 / 8 * 0.8 < len(data) < 3 * 48000 / 8 * 1.3  # 3 s at 48 kbit/s, not the whole clip
    with pytest.raises(ParameterError, match="sample rate"):
        audio_player(tone, "no rate")
