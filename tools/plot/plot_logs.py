"""Draws the curves of `--log` files (tools/cli/training_log.h): training loss by epoch, and the
validation score by epoch where early stopping scored one, several runs on one figure. Run by
`sparserec plot LOG... --out FIG.png` (the binary carries this script), or as a script with the
same arguments. Prints one JSON line: the figure, its panels and the curves each holds (counted
from the drawn figure). Errors: one line on stderr, exit 1."""
import argparse
import json
import os
import sys


def fail(message):
    sys.stderr.write(f"sparserec: error: {message}\n")
    sys.exit(1)


def read_runs(path):
    """The runs of one log: each a list of curves (a selection run, a refit, a pretraining), each
    curve a dict of its name and epochs, losses and validation scores. A run resumed from a
    checkpoint appends to the same log: its start line repeats the run's, and its epochs continue
    the curve they belong to (a curve restarts only where the epochs go back)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        fail(f"plot: cannot read '{path}' ({e.strerror})")
    except UnicodeDecodeError:
        fail(f"plot: '{path}' is not a text file (a --log file is JSON lines)")
    runs = []
    state = {"curve": None, "main": "training"}  # the current curve; the name of the run's own epochs

    def run():
        if not runs:
            runs.append({"label": os.path.basename(path), "key": None, "curves": []})
        return runs[-1]

    def use_curve(name, fresh=False, pretrain=False):
        """The run's curve of this name (continued, unless `fresh`), or a new one."""
        curves = run()["curves"]
        same = [c for c in curves if c["name"] == name]
        if same and not fresh:
            state["curve"] = same[-1]
        else:
            state["curve"] = {"name": name, "epoch": [], "loss": [], "valid_epoch": [], "valid": [], "metric": None,
                              "pretrain": pretrain}
            curves.append(state["curve"])
        return state["curve"]

    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            j = json.loads(line)
            event = j["event"]
            if event == "start":
                key = json.dumps([j.get("command"), j.get("model"), j.get("options")], sort_keys=True)
                if not runs or runs[-1]["key"] != key:  # else: the same run, resumed
                    runs.append({"label": f"{os.path.basename(path)}: {j.get('model', '?')}", "key": key, "curves": []})
                state["curve"], state["main"] = None, "training"
            elif event == "phase":
                text = str(j["text"])
                if text.startswith("choosing ") and ": " in text:  # an option's candidate, chosen on validation
                    state["main"] = "selection, " + text.split(": ", 1)[1].split(",")[0]
                    use_curve(state["main"])
                elif text.startswith("early stopping: choosing"):
                    state["main"] = "selection"
                    use_curve("selection")
                elif text.startswith("early stopping: best"):
                    state["main"] = "refit"
                    use_curve("refit")
                elif text.startswith("pretraining"):  # a part pretrained for the selection run or the refit
                    use_curve(f"{state['main']}, {text.split(':')[0]}", pretrain=True)
            elif event == "epoch":
                epoch, loss = int(j["epoch"]), float(j["loss"])
                curve = state["curve"]
                if curve is None or (curve["pretrain"] and not j.get("pretrain")):
                    curve = use_curve(state["main"])
                if curve["epoch"] and epoch <= curve["epoch"][-1]:  # the epochs start again: a new curve
                    curve = use_curve(curve["name"], fresh=True, pretrain=curve["pretrain"])
                curve["epoch"].append(epoch)
                curve["loss"].append(loss)
            elif event == "validation":
                if state["curve"] is None:
                    fail(f"plot: {path}:{n}: a validation score before any epoch")
                state["curve"]["valid_epoch"].append(int(j["epoch"]))
                state["curve"]["valid"].append(float(j["value"]))
                state["curve"]["metric"] = str(j["metric"])
            else:
                fail(f"plot: {path}:{n}: unknown event '{event}'")
        except (ValueError, KeyError, TypeError, AttributeError):
            fail(f"plot: {path}:{n}: not a line of a sparserec --log (a JSON object with an \"event\" and its fields)")
    if not any(c["epoch"] for r in runs for c in r["curves"]):
        fail(f"plot: '{path}' holds no epoch")
    return runs


def main():
    p = argparse.ArgumentParser(prog="sparserec plot", description=__doc__.split("\n\n")[0])
    p.add_argument("logs", nargs="+", help="files written by --log")
    p.add_argument("--out", required=True, help="the figure (.png, .svg, .pdf)")
    p.add_argument("--title", default="", help="the figure's title")
    a = p.parse_args()
    runs = [r for path in a.logs for r in read_runs(path)]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("plot needs matplotlib (apt-get install python3-matplotlib, or pip install matplotlib)")
    with_valid = any(c["valid"] for r in runs for c in r["curves"])
    fig, axes = plt.subplots(1, 2 if with_valid else 1, figsize=(11 if with_valid else 6.5, 4.2), squeeze=False)
    loss_ax = axes[0][0]
    valid_ax = axes[0][1] if with_valid else None
    metrics = set()
    for r in runs:
        for c in r["curves"]:
            label = r["label"] if c["name"] == "training" else f"{r['label']} ({c['name']})"
            if c["epoch"]:
                loss_ax.plot(c["epoch"], c["loss"], marker=".", label=label)
            if c["valid"]:
                valid_ax.plot(c["valid_epoch"], c["valid"], marker=".", label=label)
                metrics.add(c["metric"])
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (sum over the epoch)")
    loss_ax.grid(alpha=0.3)
    loss_ax.legend(fontsize=7)
    if valid_ax is not None:
        valid_ax.set_xlabel("epoch")
        valid_ax.set_ylabel(" / ".join(sorted(metrics)))
        valid_ax.grid(alpha=0.3)
        valid_ax.legend(fontsize=7)
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    ext = os.path.splitext(a.out)[1]
    if ext.lower() not in (".png", ".svg", ".pdf"):
        fail(f"plot: --out '{a.out}' must end in .png, .svg or .pdf (the figure's format)")
    tmp = os.path.join(os.path.dirname(a.out) or ".", "." + os.path.basename(a.out) + f".tmp.{os.getpid()}{ext}")
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, a.out)  # never a half-written figure under its name
    except (OSError, ValueError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail(f"plot: cannot write '{a.out}' ({e})")
    panels = [{"panel": "loss", "curves": len(loss_ax.get_lines())}]
    if valid_ax is not None:
        panels.append({"panel": "validation", "curves": len(valid_ax.get_lines())})
    print(json.dumps({"command": "plot", "out": a.out, "logs": a.logs, "panels": panels,
                      "curves": sum(x["curves"] for x in panels)}))


if __name__ == "__main__":
    main()
