"""Training: samples per second of the project's training step against a plain fp32 ``model.fit``.

    python benchmarks/bench_train.py [--steps N] [--frames F] [--variants plain,project,...] [--breakdown]
    KERAS_BACKEND=jax python benchmarks/bench_train.py            # on a GPU machine

Times, on the same device and the same random log-mel-shaped batches (speed does not depend on
the values), after a warm-up that absorbs tracing and compilation (reported apart):

* ``plain``: the authors' way: ``build_bbnn()`` in float32, Adam, ``model.fit(X, y, batch_size=8)``
  on numpy arrays, default compilation;
* ``project``: the step ``bbnn train --profile paper`` runs (``bbnn_core.train``: its model,
  its epoch batches, its ``fit`` call, its determinism settings), with bf16 mixed precision where
  the device has a GPU;
* ``project-nondet``: ``project`` without the one inter-op thread that makes reruns bit-for-bit
  identical (TensorFlow only): the cost of determinism is ``project-nondet`` / ``project``;
* ``xla`` (TensorFlow only): ``plain`` with ``jit_compile=True``;
* ``bf16``: ``plain`` under the ``mixed_bfloat16`` policy;
* ``onednn-off`` (TensorFlow only): ``project`` with ``TF_ENABLE_ONEDNN_OPTS=0`` (Eigen kernels);
* ``tfdata``: ``project`` fed through ``tf.data`` (``from_tensor_slices``, batch, prefetch) instead
  of numpy arrays;
* ``intra1``: ``project`` on one intra-op thread; ``2x-intra1``: two such processes at once (what
  ``bbnn train --workers 2`` does on 2 cores), their samples/s summed.

``--fresh N`` times the ``project`` step in N fresh processes, one after another, and counts the
processes in a slow mode (a median step 1.5x the fastest process's or more): the 2-thread step was
bimodal on one CPU class (3.4 or 6.84 s), so a single process's figure says little.

``--breakdown`` times, in one fresh process, where a ``project`` step goes: building the epoch's
batches (numpy), the forward pass, forward + backward, forward + backward + Adam update (each a
``tf.function``), and the whole ``model.fit`` step; the differences are each phase's share.

Each variant and each peak is measured in a fresh process. For each: seconds per step, samples/s,
the ratio to ``plain``, FLOP/s (3 x the forward FLOPs per sample) and their fraction of the
measured dense matmul peak (and of the data-sheet peak on a known GPU). Then the projected time of
the full GTZAN-sized protocol: 10 runs x 100 epochs x 800 training clips, plus each epoch's
validation pass over 100 clips.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import device, fmt_flops, matmul_peak, nominal_peak, quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402

BATCH = 8
PROTOCOL = {"runs": 10, "epochs": 100, "train": 800, "val": 100}


def _data(n: int, frames: int, n_classes: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, frames, 128)) * 20 - 40).astype(np.float32)
    y = np.eye(n_classes, dtype=np.float32)[rng.integers(0, n_classes, n)]
    return X, y


def _plain_model(frames: int, policy: str, jit):
    import keras

    from bbnn_core.model import build_bbnn

    keras.mixed_precision.set_global_policy(policy)
    try:
        model = build_bbnn((frames, 128, 1))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit,
    )
    return model


def time_variant(name: str, steps: int, frames: int, mixed: bool):
    """Returns (seconds per step, warm-up seconds, seconds per validation clip)."""
    from bbnn_core.train import _build, _epoch_batch, config_for

    X, y = _data(steps * BATCH, frames)
    if name in ("onednn-off", "intra1", "tfdata"):  # the project's step under another setting
        name = "project-tfdata" if name == "tfdata" else "project"
    if name.startswith("project"):
        import keras

        keras.utils.set_random_seed(0)  # op determinism asks for a seed, as bbnn train sets one
        if name == "project":  # what bbnn train does: bit-for-bit repeatable
            from bbnn_core.train import determinism_settings

            determinism_settings()
        else:  # project-nondet: op determinism only, TensorFlow's default inter-op threads
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tf.config.experimental.enable_op_determinism()
        cfg = config_for("paper", mixed_precision=mixed)
        model = _build(cfg, 10, 128)
        idx = np.arange(len(X))

        def epoch(e):
            xb, yb = _epoch_batch(X, y, idx, cfg, 0, e)
            if name == "project-tfdata":
                import tensorflow as tf

                ds = tf.data.Dataset.from_tensor_slices((xb, yb)).batch(cfg.batch_size).prefetch(tf.data.AUTOTUNE)
                model.fit(ds, epochs=1, verbose=0)
            else:
                model.fit(xb, yb, batch_size=cfg.batch_size, epochs=1, shuffle=False, verbose=0)
    else:
        policy = "mixed_bfloat16" if name == "bf16" else "float32"
        model = _plain_model(frames, policy, True if name == "xla" else "auto")

        def epoch(e):
            model.fit(X[..., None], y, batch_size=BATCH, epochs=1, verbose=0)

    t = time.perf_counter()
    model.fit(X[: 2 * BATCH, ..., None], y[: 2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)
    warm = time.perf_counter() - t
    t = time.perf_counter()
    epoch(0)
    per_step = (time.perf_counter() - t) / steps
    Xv = X[: 2 * BATCH, ..., None]
    model.predict(Xv, batch_size=16, verbose=0)
    t = time.perf_counter()
    model.predict(Xv, batch_size=16, verbose=0)
    per_val = (time.perf_counter() - t) / len(Xv)
    return per_step, warm, per_val


def breakdown(steps: int, frames: int) -> dict:
    """Seconds per step of each phase of the project's step (TensorFlow)."""
    import keras
    import tensorflow as tf

    from bbnn_core.train import _build, _epoch_batch, config_for, determinism_settings

    keras.utils.set_random_seed(0)
    determinism_settings()
    cfg = config_for("paper")
    X, y = _data(steps * BATCH, frames)
    idx = np.arange(len(X))
    model = _build(cfg, 10, 128)
    opt, loss_fn, variables = model.optimizer, keras.losses.CategoricalCrossentropy(), model.trainable_variables

    @tf.function
    def forward(x, t):
        return loss_fn(t, model(x, training=True))

    @tf.function
    def backward(x, t):
        with tf.GradientTape() as tape:
            loss = loss_fn(t, model(x, training=True))
        return tape.gradient(loss, variables)

    @tf.function
    def update(x, t):
        with tf.GradientTape() as tape:
            loss = loss_fn(t, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    t = time.perf_counter()
    xb, yb = _epoch_batch(X, y, idx, cfg, 0, 0)
    out = {"batches": (time.perf_counter() - t) / steps}
    batches = [(tf.constant(xb[i : i + BATCH]), tf.constant(yb[i : i + BATCH])) for i in range(0, len(xb), BATCH)]
    for name, fn in (("forward", forward), ("forward+backward", backward), ("forward+backward+adam", update)):
        fn(*batches[0])  # trace
        t = time.perf_counter()
        for b in batches:
            r = fn(*b)
        tf.nest.map_structure(lambda v: v.numpy(), r)
        out[name] = (time.perf_counter() - t) / steps
    model.fit(xb[: 2 * BATCH], yb[: 2 * BATCH], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    t = time.perf_counter()
    model.fit(xb, yb, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    out["model.fit"] = (time.perf_counter() - t) / steps
    return out


# environment of each variant's process: what it changes against the project's step
VARIANT_ENV = {
    "plain": {"TF_NUM_INTEROP_THREADS": "0"},  # TensorFlow's defaults (training sets 1)
    "project-nondet": {"TF_NUM_INTEROP_THREADS": "0"},
    "xla": {"TF_NUM_INTEROP_THREADS": "0"},
    "bf16": {"TF_NUM_INTEROP_THREADS": "0"},
    "onednn-off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "intra1": {"TF_NUM_INTRAOP_THREADS": "1"},
}


def _isolated(*worker_args) -> dict:
    """Run one measurement in a fresh process: a large eager matrix product, or one variant's
    kernels, can leave the backend's allocator and thread pools in a state that halves the speed
    of what is timed after it in the same process (measured: 3.4 -> 6.8 s per step on a CPU)."""
    return _collect(_start(*worker_args), worker_args)


def _start(*worker_args) -> subprocess.Popen:
    env = {**os.environ, **VARIANT_ENV.get(str(worker_args[0]), {})}
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", *map(str, worker_args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _collect(proc: subprocess.Popen, worker_args) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"measurement {' '.join(map(str, worker_args))} failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or platform.machine()


def fresh_processes(n: int, steps: int, frames: int) -> None:
    """The project's step in ``n`` fresh processes: per process the median of its steps; how many
    processes ran in a slow mode (1.5x the fastest process or more)."""
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores; {n} fresh processes x {steps} steps of batch {BATCH}")
    medians = []
    for i in range(n):
        m = _isolated("steps", steps, frames)
        med = float(np.median(m["steps"]))
        medians.append(med)
        print(
            f"process {i + 1:2d}: median {med:6.3f} s/step  (steps: {', '.join(f'{t:.2f}' for t in m['steps'])})",
            flush=True,
        )
    fastest = min(medians)
    slow = [m for m in medians if m >= 1.5 * fastest]
    print(
        f"median of the processes {np.median(medians):.3f} s/step ({BATCH / np.median(medians):.2f} samples/s); "
        f"fastest {fastest:.3f}, slowest {max(medians):.3f}; slow mode (>= 1.5x the fastest): {len(slow)} of {n}"
    )


def time_steps(steps: int, frames: int) -> list[float]:
    """Each of ``steps`` training steps of the project (one ``fit`` of one batch each), after warm-up."""
    import keras

    from bbnn_core.train import _build, config_for, determinism_settings

    keras.utils.set_random_seed(0)
    determinism_settings()
    model = _build(config_for("paper"), 10, 128)
    X, y = _data((steps + 2) * BATCH, frames)
    model.fit(X[: 2 * BATCH, ..., None], y[: 2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    out = []
    for i in range(2, steps + 2):
        xb, yb = X[i * BATCH : (i + 1) * BATCH, ..., None], y[i * BATCH : (i + 1) * BATCH]
        t = time.perf_counter()
        model.fit(xb, yb, batch_size=BATCH, epochs=1, verbose=0)
        out.append(time.perf_counter() - t)
    return out


def _worker(argv: list[str]) -> None:
    what = argv[0]
    if what == "peak":
        result = {"peak": matmul_peak(argv[1])}
    elif what == "breakdown":
        result = breakdown(int(argv[1]), int(argv[2]))
    elif what == "steps":
        result = {"steps": time_steps(int(argv[1]), int(argv[2]))}
    else:
        steps, frames, mixed = int(argv[1]), int(argv[2]), argv[3] == "1"
        per_step, warm, per_val = time_variant(what, steps, frames, mixed)
        result = {"per_step": per_step, "warm": warm, "per_val": per_val}
    print(json.dumps(result))


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        return _worker(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=6, help="timed steps of batch 8 per variant")
    ap.add_argument("--frames", type=int, default=647, help="input length (the paper: 647)")
    ap.add_argument(
        "--variants",
        default=None,
        help="comma-separated (default: plain,project,project-nondet,xla,bf16 under TensorFlow, "
        "plain,project otherwise)",
    )
    ap.add_argument(
        "--mixed-precision",
        choices=["auto", "on", "off"],
        default="auto",
        help="bf16 in the project step (auto: on where the device has a GPU)",
    )
    ap.add_argument("--breakdown", action="store_true", help="also time the phases of the project's step")
    ap.add_argument(
        "--fresh", type=int, metavar="N", help="only: the project step in N fresh processes, slow ones counted"
    )
    args = ap.parse_args()
    if args.fresh:
        return fresh_processes(args.fresh, args.steps, args.frames)

    import keras

    from bbnn_core.model import build_bbnn, count_flops

    backend = keras.backend.backend()
    dev = device()
    on_gpu = any(k in dev.lower() for k in ("gpu", "cuda", "h100", "h200", "a100", "nvidia"))
    mixed = on_gpu if args.mixed_precision == "auto" else args.mixed_precision == "on"
    default = (
        "plain,project,project-nondet,xla,bf16,onednn-off,tfdata,intra1,2x-intra1"
        if backend == "tensorflow"
        else "plain,project"
    )
    variants = (args.variants or default).split(",")
    flops = count_flops(build_bbnn((args.frames, 128, 1)))
    print(f"device: {dev}; keras {keras.__version__} ({backend}); {os.cpu_count()} cores")
    print(
        f"input {args.frames} x 128, batch {BATCH}, {args.steps} timed steps per variant; "
        f"{flops / 1e9:.2f} GFLOP forward, {3 * flops / 1e9:.1f} GFLOP per training sample"
    )
    peaks = {"float32": _isolated("peak", "float32")["peak"]}
    if mixed or "bf16" in variants:
        peaks["bfloat16"] = _isolated("peak", "bfloat16")["peak"]
    print("measured matmul peak: " + ", ".join(f"{k} {fmt_flops(v)}" for k, v in peaks.items()))

    rows = {}
    print(f"\n{'variant':<16}{'s/step':>9}{'samples/s':>11}{'vs plain':>10}{'FLOP/s':>16}{'of peak':>9}{'warm-up':>10}")
    for name in variants:
        mp = mixed if name.startswith("project") else name == "bf16"
        if name == "2x-intra1":  # two one-thread processes at once: samples/s summed
            procs = [_start("intra1", args.steps, args.frames, int(mp)) for _ in range(2)]
            got = [_collect(p, ("intra1",)) for p in procs]
            m = {k: max(g[k] for g in got) for k in ("warm", "per_val")}
            m["per_step"] = 1 / sum(1 / g["per_step"] for g in got)  # seconds per step of the pair
        else:
            m = _isolated(name, args.steps, args.frames, int(mp))
        per_step, warm, per_val = m["per_step"], m["warm"], m["per_val"]
        rate = BATCH / per_step
        rows[name] = (rate, per_val)
        dtype = "bfloat16" if mp else "float32"
        reached = rate * 3 * flops
        nominal = nominal_peak(dev, dtype)
        extra = f"  ({reached / nominal:.1%} of the {fmt_flops(nominal)} data sheet)" if nominal else ""
        ratio = rate / rows["plain"][0] if "plain" in rows else float("nan")
        label = f"{name}{' bf16' if name == 'project' and mp else ''}"
        print(
            f"{label:<16}{per_step:9.3f}{rate:11.2f}{ratio:9.2f}x{fmt_flops(reached):>16}"
            f"{reached / peaks[dtype]:9.0%}{warm:9.1f}s{extra}",
            flush=True,
        )

    if args.breakdown and backend == "tensorflow":
        b = _isolated("breakdown", args.steps, args.frames)
        print(f"\nwhere a project step goes (one fresh process, {args.steps} steps of batch {BATCH}):")
        fit = b["model.fit"]
        phases = [
            ("epoch batches (numpy shuffle and crop)", b["batches"]),
            ("forward", b["forward"]),
            ("backward", b["forward+backward"] - b["forward"]),
            ("Adam update", b["forward+backward+adam"] - b["forward+backward"]),
            ("model.fit overhead (feeding, metrics, callbacks)", fit - b["forward+backward+adam"]),
        ]
        for label, sec in phases:
            print(f"   {label:<50}{sec:8.3f} s  {sec / (fit + b['batches']):6.1%}")
        print(f"   {'whole step (model.fit + batches)':<50}{fit + b['batches']:8.3f} s")
        fwd_rate = BATCH * flops / b["forward"]
        print(f"   forward alone: {fmt_flops(fwd_rate)} = {fwd_rate / peaks['float32']:.0%} of the float32 peak")

    p = PROTOCOL
    print(
        f"\nprojected full protocol ({p['runs']} runs x {p['epochs']} epochs x {p['train']} clips, "
        f"+ {p['val']} validation clips per epoch), at {args.frames} frames:"
    )
    for name, (rate, per_val) in rows.items():
        seconds = p["runs"] * p["epochs"] * (p["train"] / rate + p["val"] * per_val)
        print(f"   {name:<9}{seconds / 60:10.1f} min  ({seconds / 3600:.1f} h)")


if __name__ == "__main__":
    main()
