"""The Python Record Linkage Toolkit (recordlinkage 0.16), set up as its documentation's examples are.

- Pre-processing as its ``preprocessing.clean`` does (tools/common.py: lower case, no accents or punctuation;
  identifiers and phones as digits).
- Index: blocking on a place (French registries: the postcode; restaurants: the city; PATSTAT "coords": the
  coordinates) plus a sorted neighbourhood on the name (window 5), the two methods its "Indexing" page
  introduces, combined; PATSTAT's name only: the sorted neighbourhood alone.
- Compare, by kind of field: name, street and city ``string`` Jaro-Winkler ≥ 0.85; every identifier, code,
  phone, e-mail and the coordinates ``exact``.
- Classify: the unsupervised ``ECMClassifier`` on the binary comparison vectors (its docs' choice when there
  is no training data), then connected components of the predicted links (the toolkit stops at pairs).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .common import FIELD_KINDS, cleaned, columns, connected_components

BLOCK = {"generated": "postcode", "restaurants": "city", "patstat": "location"}


def deduplicate(records: pa.Table, *, kind: str, variant: str = "") -> tuple[pa.Table, dict[str, Any]]:
    import pandas as pd
    import recordlinkage as rl

    fields = columns(kind, variant)
    df = pd.DataFrame(cleaned(records, kind, variant)).set_index("record_id")
    indexer = rl.Index()
    block = BLOCK[kind]
    if block in fields:
        # pandas joins missing keys with each other: a missing place gets a key of its own, so it blocks nothing.
        df["__block"] = df[block].where(df[block].notna(), "__missing__" + df.index.astype(str))
        indexer.block("__block")
    df["__name"] = df["name"].fillna("")
    indexer.sortedneighbourhood("__name", window=5)
    pairs = indexer.index(df)
    compare = rl.Compare(n_jobs=2)
    for field in fields:
        if FIELD_KINDS[field] in ("name", "text", "short"):
            compare.string(field, field, method="jarowinkler", threshold=0.85, label=field)
        else:
            compare.exact(field, field, label=field)
    features = compare.compute(pairs, df)
    classifier = rl.ECMClassifier()
    matches = classifier.fit_predict(features)
    edges = ((str(a), str(b)) for a, b in matches)
    clusters = connected_components((str(i) for i in df.index), edges)
    return clusters, {"candidate_pairs": len(pairs), "predicted_links": len(matches)}
