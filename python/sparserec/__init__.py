"""sparserec from Python: the engine of the `sparserec` command line, in this process.

    import sparserec
    sparserec.synth(out="r.csv", users=300, items=400, events=9000)
    d = sparserec.load_dataset("r.csv")            # CSR arrays as numpy views: d.row_ptr, d.items, ...
    r = sparserec.train(data="r.csv", model="autorec", options={"hidden": 100}, epochs=5,
                        device="cpu", save="m.srm")  # the CLI's result line, as a dict
    m = sparserec.Model("m.srm")                    # any saved model, from its file alone
    top = m.recommend(users=[1, 2], k=10)           # {"users", "items", "scores"} numpy arrays
    w = m.weights()                                 # every parameter by name, as numpy arrays

Every command takes the CLI's flags as keyword arguments (`test_fraction=0.2` is
`--test-fraction 0.2`; True is a bare flag; a list gives several values) and the model's options
as `options={"hidden": 500}`. Each runs through the same option checks, defaults and code as the
command line, so the results are the CLI's to the last digit; progress goes to stderr as there. A
flag the command does not have (or a value of the wrong type) raises OptionError (also a
ValueError), anything else the CLI refuses (a value out of range, a bad file) Error (a
RuntimeError), each with the CLI's message. `help("train")` is `sparserec train --help`. `tune` and
`serve` stay with the program: tune's trials are sparserec processes, and the server owns its
process's signals.
"""

from ._sparserec import Dataset, Error, Model, OptionError, help, models
from . import _sparserec

__all__ = ["Dataset", "Error", "Model", "OptionError", "help", "load_dataset", "models", "run", "train", "topn",
           "session", "evaluate", "recommend", "import_data", "synth", "split", "export", "index", "plot"]


def _text(value):
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def command_args(command, positional=(), options=None, **flags):
    """The argument list of `sparserec COMMAND ...` for these arguments (what run() runs)."""
    args = [command] + [str(p) for p in positional]
    args += [f"{key}={_text(value)}" for key, value in (options or {}).items()]  # before any flag's values
    for key, value in flags.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag] + [_text(v) for v in value]
        else:
            args += [flag, _text(value)]
    return args


def run(command, positional=(), options=None, **flags):
    """Runs `sparserec COMMAND` in this process; returns its result line as a dict (None if none)."""
    if not isinstance(command, str):
        raise TypeError("command must be a string such as 'train'")
    if isinstance(positional, str):
        positional = [positional]
    results = _sparserec.run(command_args(command, positional, options, **flags))
    return results[-1] if results else None


def _paths(data):
    if isinstance(data, str) or hasattr(data, "__fspath__"):
        return [str(data)]
    return [str(p) for p in data]


def load_dataset(data, layout="auto", columns="", separator="", duplicates=""):
    """A dataset as --data reads it (a binary file of `sparserec import`, or text files in a
    layout), its CSR arrays as read-only numpy views."""
    return _sparserec.load_dataset(_paths(data), layout, columns, separator, duplicates)


def train(options=None, **flags):
    """Rating prediction (`sparserec train`): trains, evaluates on the held-out ratings."""
    return run("train", options=options, **flags)


def topn(options=None, **flags):
    """Top-N recommendation (`sparserec topn`): leave-one-out HR@10, Recall@20, NDCG@20."""
    return run("topn", options=options, **flags)


def session(options=None, **flags):
    """Session-based recommendation (`sparserec session`): Recall@20 and MRR@20 of the next click."""
    return run("session", options=options, **flags)


def evaluate(**flags):
    """A saved model on the data it was trained on (`sparserec evaluate --model-file ...`)."""
    return run("evaluate", **flags)


def recommend(model_file, users=None, k=10, device="auto", sessions=None):
    """Top-k items from a saved model: for users (ids; default every user) of a rating or top-N
    model, or after click sequences (lists of item ids) of a session model. numpy arrays: items
    (n x k, -1 past a short list), scores (NaN there) and, for users, their ids."""
    m = Model(str(model_file), device)
    if sessions is not None:
        return m.recommend_sessions(sessions, k)
    return m.recommend(users, k)


def import_data(data, out, **flags):
    """Text in any layout to a binary dataset file (`sparserec import`)."""
    return run("import", data=_paths(data), out=str(out), **flags)


def synth(**flags):
    """A synthetic ratings file or click stream (`sparserec synth`)."""
    return run("synth", **flags)


def split(**flags):
    """A protocol's split written as train and test files (`sparserec split`)."""
    return run("split", **flags)


def export(**flags):
    """A saved model's weights (npz, safetensors) or vectors (.npy) to files (`sparserec export`)."""
    return run("export", **flags)


def index(action, **flags):
    """Nearest-neighbour indexes of item vectors (`sparserec index build|query ...`)."""
    return run("index", [action], **flags)


def plot(*logs, out, **flags):
    """Loss and metric curves of --log files, several runs on one figure (`sparserec plot`)."""
    return run("plot", [str(p) for p in logs], out=str(out), **flags)
