"""Obviously-correct numpy reference of neural collapse NC1 (Papyan et al., PNAS 2020)."""

import numpy as np


def reference_nc(h, y):
    """Obviously-correct NC1 (Papyan et al. 2020): per-sample outer products, numpy pinv."""
    h, y = np.asarray(h, dtype=np.float64), np.asarray(y)
    classes = sorted(set(y.tolist()))
    means = {c: h[y == c].mean(0) for c in classes}
    mu_g = np.mean([means[c] for c in classes], axis=0)
    d = h.shape[1]
    sigma_w = np.zeros((d, d))
    for i in range(h.shape[0]):
        v = h[i] - means[y[i]]
        sigma_w += np.outer(v, v)
    sigma_w /= h.shape[0]
    sigma_b = np.zeros((d, d))
    for c in classes:
        v = means[c] - mu_g
        sigma_b += np.outer(v, v)
    sigma_b /= len(classes)
    nc1 = np.trace(sigma_w @ np.linalg.pinv(sigma_b, rcond=1e-10, hermitian=True)) / len(classes)
    return nc1, np.trace(sigma_w) / np.trace(sigma_b), sigma_w, sigma_b
