"""The optional parts of the package, by job, and the one line that names the missing one.

``pip install bbnn-core`` installs the core: features, the model, training, evaluation, tables
and plots. The rest is in extras (``make install`` installs them all, at the lock's versions):

* ``fast``: OpenVINO, the fast inference runtime of ``bbnn predict`` (Keras runs without it);
* ``cluster``: Dask, dask-jobqueue and PyYAML (cluster files), for ``--workers``, ``--scheduler`` and ``--cluster``;
* ``book``: papermill and Jupyter Book, for ``bbnn book`` and the notebooks;
* ``test``: the test tools.
"""

from __future__ import annotations

import importlib

from .errors import MissingExtraError

__all__ = ["EXTRAS", "require"]

# extra -> the modules it provides that the code imports, with the distribution each comes from
EXTRAS: dict[str, dict[str, str]] = {
    "fast": {"openvino": "openvino"},
    "cluster": {"distributed": "distributed", "dask_jobqueue": "dask-jobqueue", "yaml": "pyyaml"},
    "book": {"papermill": "papermill", "jupyter_book": "jupyter-book"},
}


def require(extra: str, purpose: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise :class:`MissingExtraError` naming ``extra`` if a module of it (or of ``modules``,
    a subset) does not import here; ``purpose`` says what needed it (``"bbnn book"``)."""
    for module in modules or tuple(EXTRAS[extra]):
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtraError(
                f"{purpose} needs {EXTRAS[extra][module]}, which is not installed here: "
                f'pip install "bbnn-core[{extra}]" (make install installs every extra)'
            ) from None
