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


def test_diagram_labels_fit_their_boxes_at_the_book_width():
    """Drawn with the book's fonts at FIGURE_WIDTH (the widest figure the narrowest column keeps
    legible), every label inside a box of Figures 1 and 2 stays inside that box."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from bbnn_core.figures import BOOK_STYLE, FIGURE_WIDTH
    from bbnn_core.model import build_bbnn
    from bbnn_core.plots import plot_architecture, plot_blocks

    model = build_bbnn()
    with plt.rc_context(BOOK_STYLE):
        figs = [plot_blocks(model), plot_architecture(model).figure]
    for fig in figs:
        assert fig.get_figwidth() <= FIGURE_WIDTH
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
            for t in ax.texts:
                ext = t.get_window_extent(renderer)
                inside = [
                    b
                    for b in boxes
                    if b.contains(*ext.bounds[:2]) or b.contains(ext.x0 + ext.width / 2, ext.y0 + ext.height / 2)
                ]
                for b in inside:
                    assert b.x0 <= ext.x0 and ext.x1 <= b.x1 and b.y0 <= ext.y0 and ext.y1 <= b.y1, t.get_text()
                    assert ext.width <= 0.92 * b.width, t.get_text()  # some room on both sides
    plt.close("all")


def test_book_figures_are_drawn_at_200_dpi_and_shown_at_half_their_pixels():
    """A figure the book shows is a 200-dpi PNG that carries its smallest text size and is shown at
    100 CSS px per inch: sharp on a high-density screen, its inches the same on every page."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from bbnn_core.figures import FIGURE_DPI, FONT_KEY, SHOWN_DPI, figure_image

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("small", fontsize=9)
    img = figure_image(fig)
    with Image.open(io.BytesIO(img.data)) as im:
        assert round(im.info["dpi"][0]) == FIGURE_DPI == 2 * SHOWN_DPI
        assert float(im.info[FONT_KEY]) == pytest.approx(9 * FIGURE_DPI / 72, abs=0.01)
        assert img.width == round(im.width * SHOWN_DPI / FIGURE_DPI)


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
    assert len(means) == 2 and all(max(line.get_xdata()) == 4 for line in means)  # epochs counted from 1


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
    assert list(kept[0].get_xdata()) == [3, 2] and list(kept[0].get_ydata()) == [1.2, 1.5]  # from 1
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


def _robustness_rows():
    """Two models, four clips: clean, and noise at two levels where model 1 turns wrong at 0 dB."""
    import pandas as pd

    rows = []
    for factor, level, value in (("clean", "clean", 0.0), ("noise", "SNR 20 dB", 20.0), ("noise", "SNR 0 dB", 0.0)):
        for clip in range(4):
            for model in range(2):
                wrong = level == "SNR 0 dB" and model == 1 and clip < 2
                label = clip % 2
                rows.append(
                    dict(factor=factor, level=level, value=value, clip=f"c{clip}", label=label, model=model,
                         pred=1 - label if wrong else label)
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_factor_figure_orders_levels_from_clean_to_strongest_and_draws_each_model_and_their_mean():
    import matplotlib.pyplot as plt

    from bbnn_core.plots import plot_factor

    axes = plot_factor(_robustness_rows(), "noise")
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["SNR 0 dB", "SNR 20 dB", "no noise"]
    acc, agree = axes
    thick = [line for line in acc.get_lines() if line.get_linewidth() > 2]
    assert len(acc.get_lines()) == 3 and len(thick) == 1  # two models thin, their mean thick
    # at 0 dB model 1 gets 2 of 4 clips wrong: mean accuracy 75 %, agreement with clean 75 %
    assert list(thick[0].get_ydata()) == [75.0, 100.0, 100.0]
    assert list([line for line in agree.get_lines() if line.get_linewidth() > 2][0].get_ydata()) == [75.0, 100.0, 100.0]
    plt.close(axes[0].figure)


def _occlusion_rows(gt=2, gm=3):
    import pandas as pd

    rows = []
    for clip, label, peak in (("a/x.wav", 0, 0.5), ("a/y.wav", 0, 0.1), ("b/z.wav", 1, -0.2)):
        for t in range(gt):
            for m in range(gm):
                rows.append(dict(clip=clip, label=label, t=t, m=m, drop=peak if (t, m) == (1, 2) else 0.0))
    return pd.DataFrame(rows)


def test_occlusion_maps_share_one_symmetric_scale_per_genre_and_per_clip():
    import matplotlib.pyplot as plt

    from bbnn_core.plots import plot_occlusion, plot_occlusion_clips

    occ = _occlusion_rows()
    fig = plot_occlusion(occ, ["rock", "jazz", "pop"], ncols=2)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["rock", "jazz"]  # pop has no clip: no panel
    rock = panels[0].images[0].get_array()
    assert rock.shape == (3, 2) and rock[2, 1] == pytest.approx(0.3)  # (mel, time): the mean of 0.5 and 0.1
    assert all(ax.images[0].get_clim() == (-0.3, 0.3) for ax in panels)  # the largest mean drop, both signs
    plt.close(fig)
    fig = plot_occlusion_clips(occ, ["a/x.wav", "b/z.wav"], ["rock", "jazz"])
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["x.wav\n(rock)", "z.wav\n(jazz)"]
    assert all(ax.images[0].get_clim() == (-0.5, 0.5) for ax in panels)
    plt.close(fig)


def test_saliency_figure_shows_each_genres_share_per_mel_band():
    import matplotlib.pyplot as plt
    import pandas as pd

    from bbnn_core.plots import plot_saliency

    sal = pd.DataFrame(
        dict(clip=["x"] * 4 + ["y"] * 4, label=[0] * 4 + [1] * 4, mel=[0, 1, 2, 3] * 2, value=[1, 1, 2, 0, 0, 0, 0, 5])
    )
    fig = plot_saliency(sal, ["rock", "jazz"])
    rock, jazz = fig.axes[0].get_lines()
    assert list(rock.get_ydata()) == [25.0, 25.0, 50.0, 0.0] and list(jazz.get_ydata()) == [0.0, 0.0, 0.0, 100.0]
    assert "Hz" in fig.axes[0].get_xlabel()
    plt.close(fig)


def test_levels_without_an_order_are_points_not_a_line():
    """Feature variants (like codecs and a stereo file) have no order: no line joins their points."""
    import matplotlib.pyplot as plt

    from bbnn_core.plots import plot_factor

    rows = _robustness_rows()
    rows.loc[rows.factor == "noise", "factor"] = "features"
    rows.loc[rows.level == "SNR 20 dB", "level"] = "log1p"
    rows.loc[rows.level == "SNR 0 dB", "level"] = "raw power"
    axes = plot_factor(rows, "features")
    for ax in axes:
        assert all(line.get_linestyle() == "None" or line.get_linewidth() == 0 for line in ax.get_lines())
    plt.close(axes[0].figure)


def test_the_scaling_figure_draws_each_command_as_a_ratio_to_its_smallest_size():
    import pandas as pd

    from bbnn_core.plots import plot_scaling

    rows = pd.DataFrame(
        [("features", 100, 2.0, 400), ("features", 1000, 10.0, 600), ("features", 10000, 100.0, 4000)]
        + [("predict", 100, 5.0, 500), ("predict", 10000, 400.0, 1000)],
        columns=["what", "clips", "wall_s", "peak_mb"],
    )
    fig = plot_scaling(rows)
    time_ax, memory_ax = fig.axes
    lines = {ln.get_label(): ln for ln in time_ax.get_lines()}
    assert list(lines["features"].get_ydata()) == [1.0, 5.0, 50.0] and list(lines["predict"].get_ydata()) == [1.0, 80.0]
    assert list(lines["proportional to the clips"].get_ydata()) == [1, 100]
    memory = {ln.get_label(): list(ln.get_ydata()) for ln in memory_ax.get_lines()}
    assert memory["features"] == [1.0, 1.5, 10.0] and memory["predict"] == [1.0, 2.0]
    assert time_ax.get_xscale() == "log" and memory_ax.get_yscale() == "log"
    assert "x the 100-clip figure" in time_ax.get_ylabel()
