# The README's Python example runs as written (in a scratch directory).
import os
import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch):
    text = README.read_text()
    section = text[text.index("### From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["r"]["test_rmse"] > 0 and scope["top"]["items"].shape == (2, 10)
    assert scope["items"].shape[0] == len(scope["m"].item_ids) and np.isfinite(scope["items"]).all()
    assert os.path.getsize(tmp_path / "fig.png") > 0
