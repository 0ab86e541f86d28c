"""Reference outputs of the ORIGINAL musicnn graph, for tests/test_musicnn.py (musicnn_reference.npz).

musicnn 0.1.0's own graph (``models.define_model``, TF1 layers) runs only with tf-keras and
TF_USE_LEGACY_KERAS=1, which the project does not install: this script is run once, in a
throwaway environment, and its small output is committed. It imports nothing from bbnn_core.

    python3 -m venv /tmp/mref
    /tmp/mref/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 librosa==0.11.0 numpy==2.4.6 \\
        soundfile==0.14.0 soxr==1.1.0
    /tmp/mref/bin/pip download --no-deps musicnn==0.1.0 -d /tmp/mref/wheel
    TF_USE_LEGACY_KERAS=1 /tmp/mref/bin/python tests/data/make_musicnn_reference.py \\
        /tmp/mref/wheel/musicnn-0.1.0-py3-none-any.whl $BBNN_MIRROR/datasets/gtzan_mini/genres

For three gtzan_mini clips it keeps the first and the last of each clip's ten input patches
(KEPT: the file stays small), and for each of the four released models their taggram and
penultimate layer (the musicnn models' also their mean and max pools).
The input is musicnn's ``batch_data`` (librosa.load at 16 kHz, its default resampler; 96 mel
bands, n_fft 512, hop 256; float16 rounding; 3 s patches without overlap), except that
``10000 * x`` is computed in float32 as numpy 1 did (numpy 2 keeps float16 and overflows to inf).
All patches run as one batch with is_training False, so each row is its own patch's output
(musicnn's ``extractor()`` repeats the first patch's penultimate layer: a bug of its loop).
"""

import sys
import tempfile
import zipfile
from pathlib import Path

import librosa
import numpy as np
import tensorflow as tf

CLIPS = ("blues.00000", "classical.00000", "metal.00000")
MODELS = ("MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg")
KEPT = [0, -1]  # the patches kept of each clip


def patches(path):
    audio, sr = librosa.load(path, sr=16000)
    rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
    rep = np.log10(10000 * rep.astype(np.float16).astype(np.float32) + 1)
    n = (len(rep) - 187) // 187 + 1
    return rep[: n * 187].reshape(n, 187, 96)


def main(wheel, genres):
    tf.compat.v1.disable_eager_execution()
    unpacked = Path(tempfile.mkdtemp())
    zipfile.ZipFile(wheel).extractall(unpacked)
    sys.path.insert(0, str(unpacked))
    from musicnn import models

    out = {}
    for clip in CLIPS:
        out[f"{clip}/input"] = patches(Path(genres) / clip.split(".")[0] / f"{clip}.wav")[KEPT]
    for name in MODELS:
        tf.compat.v1.reset_default_graph()
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
        training = tf.compat.v1.placeholder(tf.bool)
        graph = models.define_model(x, training, name, 50)
        if name.endswith("_vgg"):  # logits, pool1 ... pool5: the penultimate layer is pool5, flattened
            wanted = {"taggram": tf.nn.sigmoid(graph[0]), "penultimate": tf.compat.v1.layers.flatten(graph[5])}
        else:  # logits, timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate
            wanted = {"taggram": tf.nn.sigmoid(graph[0]), "penultimate": graph[8], "mean_pool": graph[6],
                      "max_pool": graph[7]}  # fmt: skip
        with tf.compat.v1.Session() as sess:
            tf.compat.v1.train.Saver().restore(sess, str(unpacked / "musicnn" / name) + "/")
            for clip in CLIPS:
                got = sess.run(wanted, {x: out[f"{clip}/input"], training: False})
                out |= {f"{name}/{clip}/{k}": v for k, v in got.items()}
    target = Path(__file__).with_name("musicnn_reference.npz")
    np.savez_compressed(target, **{k: v.astype(np.float32) for k, v in out.items()})
    print(target, target.stat().st_size, "bytes")


if __name__ == "__main__":
    main(*sys.argv[1:3])
