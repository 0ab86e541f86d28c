"""The package's layering (README, "Architecture"): each module imports only public names of the
modules listed before it in LAYERS, so no two modules import each other, also not through an
import inside a function (which Python allows and a reader does not see at the top of a file)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bbnn_core"

# the order data flows through the package: a module may import from the modules before it only
LAYERS = [
    "errors",
    "extras",
    "progress",
    "runs",
    "resources",
    "paper",
    "audio",
    "datasets",
    "features",
    "figures",
    "splits",
    "model",
    "musicnn",
    "probe",
    "runtime",
    "robustness",
    "attribution",
    "plots",
    "metrics",
    "baseline",
    "reruns",
    "train",
    "predict",
    "reports",
    "chapter",
    "cluster",
    "book",
    "cli",
]


def _imports(path: Path, modules: set[str]) -> tuple[set[str], list[str]]:
    """The package modules ``path`` imports (anywhere in the file) and every private name it takes
    from one of them (``from .x import _y`` or ``x._y`` on an imported module)."""
    tree = ast.parse(path.read_text())
    used: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None or node.module == "bbnn_core" and node.level == 0:
                for a in node.names:  # from . import x / from bbnn_core import x
                    if a.name in modules:
                        used.add(a.name)
                        aliases[a.asname or a.name] = a.name
                continue
            if node.level == 1:
                target = node.module.split(".")[0]
            elif (node.module or "").startswith("bbnn_core."):
                target = node.module.split(".")[1]
            else:
                continue
            used.add(target)
            private += [
                f"{target}.{a.name}" for a in node.names if a.name.startswith("_") and not a.name.startswith("__")
            ]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("bbnn_core."):
                    used.add(a.name.split(".")[1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                private.append(f"{aliases[node.value.id]}.{node.attr}")
    used.discard(path.stem)
    return used, private


def layering_problems(package: Path, layers: list[str]) -> list[str]:
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    problems = [f"{m}.py is not placed in LAYERS" for m in sorted(modules - set(layers))]
    rank = {m: i for i, m in enumerate(layers)}
    for m in sorted(modules & set(layers)):
        used, private = _imports(package / f"{m}.py", modules)
        problems += [f"{m} imports {u}, which comes after it" for u in sorted(used) if rank.get(u, -1) > rank[m]]
        problems += [f"{m} uses the private name {name}" for name in private]
    return problems


def test_each_module_imports_only_public_names_of_the_modules_before_it():
    assert not layering_problems(PACKAGE, LAYERS), "\n".join(layering_problems(PACKAGE, LAYERS))


def test_layering_check_finds_an_upward_import_inside_a_function_and_a_private_name(tmp_path):
    (tmp_path / "low.py").write_text("def f():\n    from .high import g\n    return g()\n")
    (tmp_path / "high.py").write_text("from . import low\nfrom .low import _helper\n\ndef g():\n    return low._x\n")
    (tmp_path / "stray.py").write_text("")
    problems = layering_problems(tmp_path, ["low", "high"])
    assert sorted(problems) == [
        "high uses the private name low._helper",
        "high uses the private name low._x",
        "low imports high, which comes after it",
        "stray.py is not placed in LAYERS",
    ]


def test_the_readme_lists_the_modules_in_the_layering_order():
    import re

    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme[readme.index("### Architecture") :]
    rows = re.findall(r"^\| (`[^|]+`) \|", section[: section.index("\n\n", section.index("| module"))], re.M)
    listed = [name for row in rows for name in re.findall(r"`(\w+)`", row)]
    assert listed == LAYERS


def test_no_module_re_exports_another():
    """A name is imported from the module that defines it: no module passes on names it does not use
    (ruff's unused-import check, F401, is never silenced for that)."""
    silenced = [
        f"{p.name}: {line.strip()}"
        for p in PACKAGE.glob("*.py")
        for line in p.read_text().splitlines()
        if "noqa: F401" in line and line.lstrip().startswith("from .")
    ]
    assert silenced == []


def test_reruns_are_one_topic_in_one_module():
    """What a rerun is and what it changed lives in ``reruns``: besides it, only the modules that
    assemble pages (``chapter``) and take options (``cli``) name reruns, with its words; no script
    of ``results/`` does (the runs' notes are written by hand, and a test checks their numbers)."""
    import re

    code = [*PACKAGE.glob("*.py"), *(PACKAGE.parent / "results").glob("*.py")]
    naming = sorted(p.name for p in code if re.search("rerun", p.read_text(), re.I))
    assert naming == ["chapter.py", "cli.py", "reruns.py"]


def test_few_tests_compare_sentences():
    """Tests check numbers and tables, not wording: at most 25 assertions compare an English sentence
    of six words or more (tests/sentences.py counts them), so that rewording a page or a message
    costs no test change."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sentences", Path(__file__).with_name("sentences.py"))
    sentences = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sentences)
    found = sentences.sentence_assertions(Path(__file__).parent)
    assert len(found) <= 25, "\n".join(" | ".join(map(str, row)) for row in found)
    assert sentences.n_words("bbnn: error: notes.wav is not audio (2.0 s)") == 6


_IMPORT_EVERYTHING = """
import importlib, os, pkgutil, warnings
# the third-party packages' own import-time state first: only bbnn_core's is under test
import keras, librosa, matplotlib.pyplot, numpy, pandas, requests, scipy.signal, sklearn, soundfile, tensorflow
env, filters = dict(os.environ), list(warnings.filters)
import bbnn_core
for m in pkgutil.iter_modules(bbnn_core.__path__):
    importlib.import_module(f"bbnn_core.{m.name}")
changed = sorted(k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k))
added = [f for f in warnings.filters if f not in filters]
print(changed, added)
"""


def test_importing_the_package_sets_no_environment_variable_and_no_warnings_filter():
    """Importing bbnn_core and every module of it changes no environment variable and no warnings
    filter: the bbnn command, the notebooks (bbnn_core.book.prepare_kernel) and the test session set
    what they need themselves."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_NUM_INTEROP_THREADS"}
    res = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING], capture_output=True, text=True, env=env, timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "[] []"


def test_the_command_line_and_a_notebook_kernel_set_one_inter_op_thread(monkeypatch):
    import warnings

    from bbnn_core.book import prepare_kernel
    from bbnn_core.cli import _quiet_backends

    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    _quiet_backends()
    assert os.environ["TF_NUM_INTEROP_THREADS"] == "1"
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "4")  # the user's choice stands
    with warnings.catch_warnings():
        prepare_kernel()
        assert os.environ["TF_NUM_INTEROP_THREADS"] == "4"
        assert any(f[1] is not None and f[1].pattern == "IProgress not found" for f in warnings.filters)
