"""Reference values for the suite's PCA: scikit-learn's PCA (exact solver) on fixed data, written
as a fixture the test suite compares against (Tests/ClassifiersTests/Fixtures/pca.json).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/reference/pca_reference.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.decomposition import PCA

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "ClassifiersTests", "Fixtures", "pca.json")

rng = np.random.RandomState(0)
cases = []
# Correlated Gaussian rows: 300 × 12 with distinct variances, and 40 × 30 (fewer rows than twice
# the columns) so the subspace start does not span everything.
for n, d, k in [(300, 12, 5), (40, 30, 8), (200, 48, 10)]:
    mixing = rng.randn(d, d) * np.linspace(3, 0.2, d)[None, :]
    x = (rng.randn(n, d) @ mixing.T + rng.randn(d) * 2).astype(np.float32)
    x = np.array([float("%.6g" % v) for v in x.ravel()], dtype=np.float32).reshape(n, d)
    fits = []
    for whiten in (False, True):
        p = PCA(n_components=k, svd_solver="full", whiten=whiten).fit(x)
        fits.append({
            "whiten": whiten,
            "mean": p.mean_.astype(float).tolist(),
            "explained_variance": p.explained_variance_.astype(float).tolist(),
            "explained_variance_ratio": p.explained_variance_ratio_.astype(float).tolist(),
            "component_rows": p.components_.astype(float).tolist(),
            "transform_first_rows": p.transform(x[:5]).astype(float).tolist(),
        })
    cases.append({"rows": n, "cols": d, "components": k, "x": ["%.6g" % v for v in x.ravel()], "fits": fits})
with open(OUT, "w") as f:
    json.dump({"scikit_learn": sklearn.__version__, "cases": cases}, f)
print("wrote", OUT, os.path.getsize(OUT), "bytes")
