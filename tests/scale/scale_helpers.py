"""Helpers shared by the scale tests: read every output shard, compare predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd


def read_outputs(out_dir, fmt="parquet"):
    """Every predictions shard of ``out_dir`` as one frame indexed by user_id."""
    files = sorted(out_dir.glob(f"*.{fmt}"))
    assert files, f"no .{fmt} shards in {out_dir}"
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    return pd.concat([read(f) for f in files]).set_index("user_id")


def assert_same_predictions(got, reference):
    assert sorted(got.index) == sorted(reference.index)
    got = got.loc[reference.index]
    assert (got["predicted"].to_numpy() == reference["predicted"].to_numpy()).all()
    for col in ("score", "proba_0", "proba_1"):
        np.testing.assert_allclose(got[col].to_numpy(float), reference[col].to_numpy(float), atol=1e-6)
