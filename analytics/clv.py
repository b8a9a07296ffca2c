"""Customer-lifetime models: BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend) fitted by maximum likelihood.

Pure numpy/scipy, vectorised, log-space special functions, analytic gradients, L-BFGS-B on log-parameters.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD
Model", Marketing Science 24(2). Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis", JMR 42(4); Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".

Inputs are the usual RFM summary per customer (lifetimes' names):
- frequency: number of repeat transactions (transaction periods after the first, e.g. purchase days - 1)
- recency: time from the first to the last transaction (0 when frequency == 0)
- T: time from the first transaction to the end of the observation
- monetary_value: mean value of the repeat transactions (first one excluded), for Gamma-Gamma
all in one time unit (the fitted alpha is in that unit). Identical rows are pooled (weights) before fitting,
so a million customers cost the time of their distinct (frequency, recency, T) triples.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np


class FitError(Exception):
    """The model could not be fitted (too little data, no convergence); the message is for people."""


def _pool(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the given columns and how often each occurs (the likelihood is a weighted sum)."""
    import polars as pl

    names = [f"c{i}" for i in range(len(columns))]
    frame = pl.DataFrame({n: np.asarray(c, dtype=float) for n, c in zip(names, columns, strict=True)})
    # hash grouping (much faster than np.unique(axis=0) on 1M rows), then sorted: the likelihood's sum runs in
    # one fixed order, so the same data always gives bit-for-bit the same fit (hash order varies run to run)
    pooled = frame.group_by(names).len().sort(names)
    return [pooled[n].to_numpy() for n in names], pooled["len"].to_numpy().astype(float)


def _minimise(objective, x0: np.ndarray, name: str, customers: float) -> np.ndarray:
    """L-BFGS-B on the log-likelihood per customer (the objective divided by `customers`, the total weight): the
    gradient test (gtol, per customer) then ends the search at the same precision for a shop of 2,000 customers as
    for one of 1.28M, instead of the summed gradient's float noise, which grows with the shop and kept the search
    wandering for a third of its evaluations at 1M customers."""
    from scipy.optimize import minimize

    def per_customer(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(log_params)
        return value / customers, gradient / customers

    with single_threaded_blas():
        result = minimize(per_customer, x0, jac=True, method="L-BFGS-B",
                          bounds=[(-20.0, 20.0)] * len(x0),
                          options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-8})
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(f"The {name} model did not converge ({result.message}).")
    return np.exp(result.x)


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, object] = {"depth": 0, "saved": []}


def _openblas_thread_controls() -> list[tuple[object, object]]:
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (numpy's and scipy's)."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return []
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas{}_num_threads64_", "scipy_openblas{}_num_threads",
                     "openblas{}_num_threads64_", "openblas{}_num_threads"):
            getter = getattr(lib, name.format("_get"), None)
            setter = getattr(lib, name.format("_set"), None)
            if getter is not None and setter is not None:
                getter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
                controls.append((getter, setter))
                break
    return controls


@contextmanager
def single_threaded_blas():
    """Run the block with OpenBLAS on one thread, restoring the previous thread counts after.

    Optimisers such as L-BFGS-B make thousands of tiny BLAS calls; on a busy 2-core machine an OpenBLAS thread
    pool makes each one ~5 ms instead of microseconds. Results are bit-for-bit the same."""
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            saved = []
            for getter, setter in _openblas_thread_controls():
                saved.append((setter, getter()))
                setter(1)
            _BLAS_STATE["saved"] = saved
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0:
                for setter, threads in _BLAS_STATE["saved"]:
                    setter(threads)
                _BLAS_STATE["saved"] = []


def _by_distinct(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct values, index of each row's value, summed weight per distinct value)."""
    distinct, index = np.unique(values, return_inverse=True)
    return distinct, index, np.bincount(index, weights=weights, minlength=distinct.size)


class _BgnbdObjective:
    """The BG/NBD negative log-likelihood and gradient (log-parameters) of pooled rows, fast form.

    Same value as bgnbd_negative_log_likelihood; the special functions of r+x, b+x, a+b+x are evaluated once per
    distinct frequency (a few dozen) and summed with that frequency's total weight, so each evaluation costs a
    handful of elementwise operations per row."""

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray):
        self.w, self.x, self.tx, self.T = w, x, tx, T
        self.ux, self.ix, self.wx = _by_distinct(x, w)
        self.some = x > 0
        self.w_total = float(w.sum())
        self.w_some = float(w[self.some].sum())
        self.x_some = x[self.some]
        self.tx_some, self.T_some, self.w_s = tx[self.some], T[self.some], w[self.some]
        self.ix_some = self.ix[self.some]
        self.T_none, self.w_none = T[~self.some], w[~self.some]

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        from scipy.special import digamma, gammaln

        r, alpha, a, b = np.exp(log_params)
        ux, wx = self.ux, self.wx
        # per distinct x: the parts of a1 and a2 that do not depend on t_x, T
        ll_x = float(wx @ (gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux)))
        ll = ll_x + self.w_total * (-gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b))
        psi_rx, psi_bx, psi_abx = digamma(r + ux), digamma(b + ux), digamma(a + b + ux)
        d_r = float(wx @ psi_rx) + self.w_total * (np.log(alpha) - digamma(r))
        d_alpha = self.w_total * r / alpha
        psi_ab = digamma(a + b)
        d_a = self.w_total * psi_ab - float(wx @ psi_abx)
        d_b = self.w_total * (psi_ab - digamma(b)) + float(wx @ (psi_bx - psi_abx))
        # customers without repeat purchases: bracket = (alpha+T)^-r
        if self.w_none.size:
            log_aT0 = np.log(alpha + self.T_none)
            ll -= r * float(self.w_none @ log_aT0)
            d_r -= float(self.w_none @ log_aT0)
            d_alpha -= r * float(self.w_none @ (1.0 / (alpha + self.T_none)))
        # customers with repeat purchases: bracket = (alpha+T)^-(r+x) + a/(b+x-1) (alpha+t_x)^-(r+x)
        if self.w_s.size:
            x, w = self.x_some, self.w_s
            rx = r + x
            log_aT, log_atx = np.log(alpha + self.T_some), np.log(alpha + self.tx_some)
            log_bx1 = np.log(b + ux - 1.0, where=ux > 0, out=np.zeros_like(ux))[self.ix_some]
            a3 = -rx * log_aT
            d = np.log(a) - log_bx1 - rx * log_atx - a3       # a4 - a3
            log_bracket = a3 + np.logaddexp(0.0, d)
            w4 = 0.5 * (1.0 + np.tanh(0.5 * d))                # exp(a4 - log_bracket) = sigmoid(d)
            w3 = 1.0 - w4
            ww3, ww4 = w * w3, w * w4
            ll += float(w @ log_bracket)
            d_r -= float(ww3 @ log_aT) + float(ww4 @ log_atx)
            d_alpha -= float(ww3 @ (rx / (alpha + self.T_some))) + float(ww4 @ (rx / (alpha + self.tx_some)))
            d_a += float(ww4.sum()) / a
            d_b -= float(ww4 @ np.exp(-log_bx1))
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(log_params)
        return -ll, -np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])


class _GammaGammaObjective:
    """The Gamma-Gamma negative log-likelihood and gradient (log-parameters), fast form.

    Same value as gamma_gamma_negative_log_likelihood: the special functions of p x, p x + q are evaluated per
    distinct frequency, the terms in ln m and ln x are summed once, and each evaluation computes only ln(γ + x m)
    and 1/(γ + x m) per row."""

    def __init__(self, x: np.ndarray, m: np.ndarray, w: np.ndarray):
        self.x, self.m, self.w = x, m, w
        self.xm = x * m
        self.ux, _ix, self.wx = _by_distinct(x, w)
        self.w_total = float(w.sum())
        log_m, log_x = np.log(m), np.log(x)
        self.s_wx_logm = float((w * x) @ log_m)
        self.s_w_logm = float(w @ log_m)
        self.s_wx_logx = float((w * x) @ log_x)
        self.wx_rows = w * x

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        from scipy.special import digamma, gammaln

        p, q, g = np.exp(log_params)
        ux, wx = self.ux, self.wx
        pux = p * ux
        log_gxm = np.log(g + self.xm)
        s_w_log = float(self.w @ log_gxm)
        s_wx_log = float(self.wx_rows @ log_gxm)
        ll = (float(wx @ (gammaln(pux + q) - gammaln(pux))) + self.w_total * (q * np.log(g) - gammaln(q))
              + p * self.s_wx_logm - self.s_w_logm + p * self.s_wx_logx - p * s_wx_log - q * s_w_log)
        psi_pxq = digamma(pux + q)
        d_p = float((wx * ux) @ (psi_pxq - digamma(pux))) + self.s_wx_logm + self.s_wx_logx - s_wx_log
        d_q = float(wx @ psi_pxq) + self.w_total * (np.log(g) - digamma(q)) - s_w_log
        inv = 1.0 / (g + self.xm)
        d_g = self.w_total * q / g - p * float(self.wx_rows @ inv) - q * float(self.w @ inv)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(log_params)
        return -ll, -np.array([d_p * p, d_q * q, d_g * g])


# ------------------------------------------------------------------ BG/NBD

def bgnbd_log_likelihood_terms(params: np.ndarray, frequency: np.ndarray, recency: np.ndarray,
                               T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row BG/NBD log-likelihood and its gradient with respect to (r, alpha, a, b) (shape (4, n)).

    LL = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
         + ln[ (α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x) ]
    (Fader, Hardie & Lee 2005, eq. 6; the bracket is summed in log space so large x cannot overflow).
    """
    from scipy.special import digamma, gammaln

    r, alpha, a, b = params
    x, tx, T = frequency, recency, T
    some = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    b_x1 = np.where(some, b + x - 1.0, 1.0)
    a4 = np.where(some, np.log(a) - np.log(b_x1) - (r + x) * np.log(alpha + tx), -np.inf)
    top = np.maximum(a3, a4)
    log_bracket = top + np.log(np.exp(a3 - top) + np.exp(a4 - top))
    ll = a1 + a2 + log_bracket
    w3 = np.exp(a3 - log_bracket)
    w4 = np.exp(a4 - log_bracket)   # 0 where x == 0
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + tx)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + x)
    d_a = psi_ab - psi_abx + w4 / a
    d_b = psi_ab + digamma(b + x) - digamma(b) - psi_abx - w4 / b_x1
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


@dataclass
class BetaGeoModel:
    """A fitted BG/NBD model: params_ = {r, alpha, a, b} (alpha in the time unit of the data)."""
    params_: dict[str, float] = field(default_factory=dict)
    log_likelihood_: float = float("nan")
    n_customers_: int = 0

    def _p(self) -> tuple[float, float, float, float]:
        if not self.params_:
            raise FitError("The BG/NBD model is not fitted yet.")
        return self.params_["r"], self.params_["alpha"], self.params_["a"], self.params_["b"]

    def log_p_not_alive_ratio(self, frequency, recency, T) -> np.ndarray:
        """ln[ a/(b+x−1) ((α+T)/(α+t_x))^(r+x) ] for x > 0, −inf for x == 0."""
        r, alpha, a, b = self._p()
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        some = x > 0
        b_x1 = np.where(some, b + x - 1.0, 1.0)
        return np.where(some, np.log(a) - np.log(b_x1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)),
                        -np.inf)

    def conditional_probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(still active | x, t_x, T) = 1 / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x))."""
        return np.exp(-np.logaddexp(0.0, self.log_p_not_alive_ratio(frequency, recency, T)))

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected repeat transactions in the next t time units (FHL 2005, eq. 10)."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._p()
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = float(t)
        if t <= 0:
            return np.zeros_like(x)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, t / (alpha + T + t))
        first = (a + b + x - 1.0) / (a - 1.0)
        second = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
        out = first * second * self.conditional_probability_alive(x, tx, T)
        return np.maximum(out, 0.0)

    def expected_number_of_purchases_up_to_time(self, t) -> np.ndarray:
        """E[X(t)] for a new customer (FHL 2005, eq. 9)."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        hyp = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
        return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp)

    def scaled(self, factor: float) -> BetaGeoModel:
        """The same model with time measured in units `factor` times longer (alpha / factor)."""
        r, alpha, a, b = self._p()
        return BetaGeoModel({"r": r, "alpha": alpha / factor, "a": a, "b": b}, self.log_likelihood_,
                            self.n_customers_)


def bgnbd_negative_log_likelihood(log_params: np.ndarray, frequency, recency, T,
                                  weights) -> tuple[float, np.ndarray]:
    """Negative total log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    ll, grad = bgnbd_log_likelihood_terms(params, frequency, recency, T)
    total = float(np.dot(weights, ll))
    if not np.isfinite(total):
        return 1e300, np.zeros_like(log_params)
    return -total, -(grad @ weights) * params


def fit_bgnbd(frequency, recency, T, *, initial: tuple[float, ...] = (0.1, 1.0, 0.1, 0.1)) -> BetaGeoModel:
    """Fit BG/NBD by maximum likelihood. Raises FitError when the data cannot identify the model."""
    x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if x.size == 0 or not np.any(x > 0):
        raise FitError("BG/NBD needs customers with repeat purchases.")
    if np.any(x < 0) or np.any(tx < 0) or np.any(T < tx) or np.any(T <= 0):
        raise FitError("BG/NBD needs 0 <= recency <= T and T > 0.")
    (px, ptx, pT), weights = _pool(x, tx, T)
    return _fit_bgnbd_pooled(px, ptx, pT, weights, float(np.mean(T)), int(x.size), initial)


def fit_bgnbd_days(frequency, recency_days, t_days, days_per_unit: float = 7.0, *,
                   initial: tuple[float, ...] = (0.1, 1.0, 0.1, 0.1)) -> BetaGeoModel:
    """fit_bgnbd(frequency, recency_days / days_per_unit, t_days / days_per_unit) for histories in whole days, the
    same model bit for bit: the customers are pooled on one integer key per (x, recency, T), a hash count of
    one column, instead of a group-by of three float columns (1.28M customers: ~0.2 s less per fit)."""
    import polars as pl

    x, r, t = (np.asarray(v, dtype=np.int64) for v in (frequency, recency_days, t_days))
    base = int(max(r.max(), t.max())) + 1 if x.size else 1
    valid = (x.size and np.any(x > 0) and x.min() >= 0 and r.min() >= 0 and t.min() > 0 and not np.any(t < r)
             and int(x.max()) < 2**62 // (base * base))
    if not valid:                           # fit_bgnbd's checks say what is wrong (or the key would not fit)
        return fit_bgnbd(x, r / days_per_unit, t / days_per_unit, initial=initial)
    counts = pl.Series("key", (x * base + r) * base + t).value_counts(sort=False, name="n").sort("key")
    px, rest = np.divmod(counts["key"].to_numpy(), base * base)
    ptx, pT = np.divmod(rest, base)
    return _fit_bgnbd_pooled(px.astype(float), ptx / days_per_unit, pT / days_per_unit,
                             counts["n"].to_numpy().astype(float), float(np.mean(t / days_per_unit)), int(x.size),
                             initial)


def _fit_bgnbd_pooled(px: np.ndarray, ptx: np.ndarray, pT: np.ndarray, weights: np.ndarray, mean_T: float,
                      n_customers: int, initial: tuple[float, ...]) -> BetaGeoModel:
    """The fit on distinct histories (sorted, as _pool gives them) with their counts."""
    # start alpha on the scale of the data so the optimiser does not wander
    x0 = np.log(np.array([initial[0], max(mean_T / 10.0, 1e-3) * initial[1], initial[2], initial[3]]))
    params = _minimise(_BgnbdObjective(px, ptx, pT, weights), x0, "BG/NBD", float(weights.sum()))
    ll = -bgnbd_negative_log_likelihood(np.log(params), px, ptx, pT, weights)[0]
    return BetaGeoModel(dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True)), float(ll), n_customers)


# ------------------------------------------------------------------ Gamma-Gamma

def gamma_gamma_log_likelihood_terms(params: np.ndarray, frequency: np.ndarray,
                                     monetary_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row Gamma-Gamma log-likelihood of a customer's mean spend m over x transactions, and its gradient
    with respect to (p, q, gamma):
    LL = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)."""
    from scipy.special import digamma, gammaln

    p, q, g = params
    x, m = frequency, monetary_value
    px = p * x
    log_gxm = np.log(g + x * m)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1.0) * np.log(m)
          + px * np.log(x) - (px + q) * log_gxm)
    psi_pxq = digamma(px + q)
    d_p = x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_gxm)
    d_q = psi_pxq - digamma(q) + np.log(g) - log_gxm
    d_g = q / g - (px + q) / (g + x * m)
    return ll, np.vstack([d_p, d_q, d_g])


def gamma_gamma_negative_log_likelihood(log_params, frequency, monetary_value, weights) -> tuple[float, np.ndarray]:
    params = np.exp(log_params)
    ll, grad = gamma_gamma_log_likelihood_terms(params, frequency, monetary_value)
    total = float(np.dot(weights, ll))
    if not np.isfinite(total):
        return 1e300, np.zeros_like(log_params)
    return -total, -(grad @ weights) * params


@dataclass
class GammaGammaModel:
    """A fitted Gamma-Gamma spend model: params_ = {p, q, v} (v is the paper's gamma; lifetimes' name)."""
    params_: dict[str, float] = field(default_factory=dict)
    log_likelihood_: float = float("nan")
    n_customers_: int = 0

    def conditional_expected_average_profit(self, frequency, monetary_value) -> np.ndarray:
        """E[M | x, m] = (p (γ + x m)) / (p x + q − 1); the population mean p γ / (q − 1) when x == 0."""
        if not self.params_:
            raise FitError("The Gamma-Gamma model is not fitted yet.")
        p, q, g = self.params_["p"], self.params_["q"], self.params_["v"]
        x = np.asarray(frequency, dtype=float)
        m = np.nan_to_num(np.asarray(monetary_value, dtype=float))
        m = np.where(x > 0, m, 0.0)
        return p * (g + x * m) / (p * x + q - 1.0)


def fit_gamma_gamma(frequency, monetary_value, *, initial: tuple[float, float, float] = (1.0, 1.0, 1.0)
                    ) -> GammaGammaModel:
    """Fit Gamma-Gamma on customers with frequency > 0 and positive mean repeat spend (others are ignored)."""
    x, m = (np.asarray(v, dtype=float) for v in (frequency, monetary_value))
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    if keep.sum() < 3:
        raise FitError("Gamma-Gamma needs customers with repeat purchases of positive value.")
    (px, pm), weights = _pool(x[keep], m[keep])
    x0 = np.log(np.array([initial[0], initial[1], max(float(np.mean(pm)), 1e-6) * initial[2]]))
    params = _minimise(_GammaGammaObjective(px, pm, weights), x0, "Gamma-Gamma", float(weights.sum()))
    ll = -gamma_gamma_negative_log_likelihood(np.log(params), px, pm, weights)[0]
    if params[1] <= 1.0:
        raise FitError("Gamma-Gamma fit has q <= 1: the mean spend is not defined.")
    return GammaGammaModel(dict(zip(("p", "q", "v"), map(float, params), strict=True)), float(ll), int(keep.sum()))


def customer_lifetime_value(purchases: np.ndarray, avg_value: np.ndarray) -> np.ndarray:
    """CLV over the horizon = expected repeat purchases × expected value per purchase (undiscounted)."""
    return np.asarray(purchases, dtype=float) * np.asarray(avg_value, dtype=float)
