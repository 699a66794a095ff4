"""The Python Record Linkage Toolkit (recordlinkage 0.16), set up as its documentation's examples are.

- Pre-processing with ``recordlinkage.preprocessing.clean`` (lower case, no accents or punctuation).
- Index: blocking on the postcode (PATSTAT: the coordinates) plus a sorted neighbourhood on the cleaned name
  (window 5), the two methods its "Indexing" page introduces, combined.
- Compare: name Jaro-Winkler ≥ 0.85, exact postcode (PATSTAT: coordinates), exact SIREN (French registries).
- Classify: the unsupervised ``ECMClassifier`` on the binary comparison vectors (its docs' choice when there
  is no training data), then connected components of the predicted links (the toolkit stops at pairs).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .common import connected_components, place_column


def deduplicate(records: pa.Table, *, kind: str) -> tuple[pa.Table, dict[str, Any]]:
    import numpy as np
    import recordlinkage as rl
    from recordlinkage.preprocessing import clean

    place = place_column(kind)
    df = records.to_pandas().set_index("record_id")
    df["name_clean"] = clean(df["name"].fillna(""))
    # pandas joins missing keys with each other: give a missing place a key of its own so it blocks nothing.
    placed = df[place].fillna("").str.strip()
    df["place"] = placed.where(placed != "", "__missing__" + df.index.astype(str))
    indexer = rl.Index()
    indexer.block("place")
    indexer.sortedneighbourhood("name_clean", window=5)
    pairs = indexer.index(df)
    compare = rl.Compare(n_jobs=2)
    compare.string("name_clean", "name_clean", method="jarowinkler", threshold=0.85, label="name")
    compare.exact("place", "place", label="place")
    if kind != "patstat":
        df["siren"] = df["siren"].replace("", np.nan)
        compare.exact("siren", "siren", label="siren")
    features = compare.compute(pairs, df)
    classifier = rl.ECMClassifier()
    matches = classifier.fit_predict(features)
    edges = ((str(a), str(b)) for a, b in matches)
    clusters = connected_components((str(i) for i in df.index), edges)
    return clusters, {"candidate_pairs": len(pairs), "predicted_links": len(matches)}
