"""BG/NBD and Gamma-Gamma: published CDNOW parameters, likelihood against a slow direct formula, gradients."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analytics import clv

CDNOW = Path(__file__).resolve().parent / "fixtures" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"


@pytest.fixture(scope="module")
def cdnow_summary() -> pl.DataFrame:
    return pl.read_csv(CDNOW)


def _slow_bgnbd_ll(r, alpha, a, b, x, tx, T):
    """FHL (2005) eq. 6 written out directly with math.lgamma, one customer at a time."""
    beta = lambda p, q: math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)  # noqa: E731
    total = 0.0
    for xi, ti, Ti in zip(x, tx, T, strict=True):
        like = math.exp(beta(a, b + xi) - beta(a, b) + math.lgamma(r + xi) - math.lgamma(r)
                        + r * math.log(alpha)) * (alpha + Ti) ** -(r + xi)
        if xi > 0:
            like += math.exp(beta(a + 1, b + xi - 1) - beta(a, b) + math.lgamma(r + xi) - math.lgamma(r)
                             + r * math.log(alpha)) * (alpha + ti) ** -(r + xi)
        total += math.log(like)
    return total


def test_bgnbd_reproduces_the_published_cdnow_parameters(cdnow_summary):
    model = clv.fit_bgnbd(cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"])
    p = model.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(model.log_likelihood_, 1) == -9582.4
    # the paper's checks: E[X(t)] for a new customer and one conditional expectation
    assert np.round(model.expected_number_of_purchases_up_to_time([1, 3, 32]), 3).tolist() == [0.053, 0.151, 1.044]
    assert round(float(model.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)), 3) == 1.226


def test_gamma_gamma_on_the_rounded_cdnow_summary_is_close_to_the_paper(cdnow_summary):
    # zbar in this file is rounded to cents, so gamma lands at 15.45 here; the exact raw transactions give 15.44
    # (tests/test_customers.py checks that through our ingest)
    model = clv.fit_gamma_gamma(cdnow_summary["x"], cdnow_summary["zbar"])
    assert round(model.params_["p"], 2) == 6.25 and round(model.params_["q"], 2) == 3.74
    assert abs(model.params_["v"] - 15.44) < 0.01
    assert model.n_customers_ == 946


def test_vectorised_log_likelihood_equals_a_direct_slow_one(cdnow_summary):
    rows = cdnow_summary.head(25)
    params = np.array([0.3, 5.0, 0.8, 2.0])
    fast, _grad = clv.bgnbd_log_likelihood_terms(params, rows["x"].to_numpy().astype(float),
                                                 rows["t_x"].to_numpy(), rows["T"].to_numpy())
    slow = _slow_bgnbd_ll(*params, rows["x"].to_list(), rows["t_x"].to_list(), rows["T"].to_list())
    assert float(fast.sum()) == pytest.approx(slow, rel=1e-10)


def _numeric_gradient(f, x0, eps=1e-6):
    return np.array([(f(x0 + eps * e) - f(x0 - eps * e)) / (2 * eps) for e in np.eye(len(x0))])


def test_analytic_gradients_match_finite_differences(cdnow_summary):
    x = cdnow_summary["x"].to_numpy().astype(float)
    tx, T, m = cdnow_summary["t_x"].to_numpy(), cdnow_summary["T"].to_numpy(), cdnow_summary["zbar"].to_numpy()
    w = np.ones_like(x)
    lp = np.log([0.3, 5.0, 0.8, 2.0])
    _, grad = clv.bgnbd_negative_log_likelihood(lp, x, tx, T, w)
    num = _numeric_gradient(lambda v: clv.bgnbd_negative_log_likelihood(v, x, tx, T, w)[0], lp)
    assert np.allclose(grad, num, rtol=1e-5, atol=1e-4)
    keep = x > 0
    lg = np.log([5.0, 3.0, 12.0])
    _, ggrad = clv.gamma_gamma_negative_log_likelihood(lg, x[keep], m[keep], w[keep])
    gnum = _numeric_gradient(lambda v: clv.gamma_gamma_negative_log_likelihood(v, x[keep], m[keep], w[keep])[0], lg)
    assert np.allclose(ggrad, gnum, rtol=1e-5, atol=1e-4)


def test_large_frequencies_stay_finite_and_p_alive_orders_sensibly():
    model = clv.BetaGeoModel({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4})
    x = np.array([5000.0, 5000.0, 0.0])
    p = model.conditional_probability_alive(x, [1000.0, 200.0, 0.0], [1000.0, 1000.0, 50.0])
    assert np.all(np.isfinite(p)) and p[0] > 0.99 and p[1] < 1e-6 and p[2] == 1.0
    ll, grad = clv.bgnbd_log_likelihood_terms(np.array([0.24, 4.4, 0.79, 2.4]), x, np.array([1000.0, 200.0, 0.0]),
                                              np.array([1000.0, 1000.0, 50.0]))
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))


def test_fit_without_repeat_buyers_raises_a_clear_error():
    with pytest.raises(clv.FitError, match="repeat"):
        clv.fit_bgnbd([0, 0, 0], [0, 0, 0], [3, 4, 5])
    with pytest.raises(clv.FitError):
        clv.fit_gamma_gamma([0, 1], [0, 5.0])


def test_fast_objectives_equal_the_reference_likelihoods_and_gradients(cdnow_summary):
    x = cdnow_summary["x"].to_numpy().astype(float)
    tx, T, m = cdnow_summary["t_x"].to_numpy(), cdnow_summary["T"].to_numpy(), cdnow_summary["zbar"].to_numpy()
    (px, ptx, pT), w = clv._pool(x, tx, T)
    assert w.sum() == x.size and px.size < x.size
    fast = clv._BgnbdObjective(px, ptx, pT, w)
    for params in ([0.3, 5.0, 0.8, 2.0], [2.5, 0.2, 4.0, 0.3], [0.243, 4.414, 0.793, 2.426]):
        lp = np.log(params)
        ref_value, ref_grad = clv.bgnbd_negative_log_likelihood(lp, x, tx, T, np.ones_like(x))
        value, grad = fast(lp)
        assert value == pytest.approx(ref_value, rel=1e-12) and np.allclose(grad, ref_grad, rtol=1e-9, atol=1e-9)
    keep = (x > 0) & (m > 0)
    (gx, gm), gw = clv._pool(x[keep], m[keep])
    fast_gg = clv._GammaGammaObjective(gx, gm, gw)
    for params in ([5.0, 3.0, 12.0], [0.5, 8.0, 100.0]):
        lg = np.log(params)
        ref_value, ref_grad = clv.gamma_gamma_negative_log_likelihood(lg, x[keep], m[keep], np.ones(int(keep.sum())))
        value, grad = fast_gg(lg)
        assert value == pytest.approx(ref_value, rel=1e-12) and np.allclose(grad, ref_grad, rtol=1e-9, atol=1e-9)


def test_pooled_fit_on_repeated_customers_equals_the_fit_on_distinct_rows(cdnow_summary):
    x = cdnow_summary["x"].to_numpy().astype(float)
    tx, T = cdnow_summary["t_x"].to_numpy(), cdnow_summary["T"].to_numpy()
    once = clv.fit_bgnbd(x, tx, T)
    thrice = clv.fit_bgnbd(np.tile(x, 3), np.tile(tx, 3), np.tile(T, 3))
    assert thrice.log_likelihood_ == pytest.approx(3 * once.log_likelihood_, rel=1e-9)
    for k in ("r", "alpha", "a", "b"):
        assert thrice.params_[k] == pytest.approx(once.params_[k], rel=1e-4)


@pytest.mark.parametrize("seed, n", [(1, 500), (2, 200_000)])
def test_fit_on_whole_days_equals_the_fit_on_weeks_bit_for_bit(seed, n):
    """fit_bgnbd_days pools on one integer key; the model must be fit_bgnbd's on days / 7, to the last bit."""
    rng = np.random.default_rng(seed)
    t_days = rng.integers(1, 400, n)
    recency = (rng.random(n) * t_days).astype(np.int64)
    frequency = np.where(recency > 0, rng.integers(1, 30, n), 0)
    by_days = clv.fit_bgnbd_days(frequency, recency, t_days, 7.0)
    by_weeks = clv.fit_bgnbd(frequency, recency / 7.0, t_days / 7.0)
    assert by_days.params_ == by_weeks.params_ and by_days.log_likelihood_ == by_weeks.log_likelihood_
    assert by_days.n_customers_ == by_weeks.n_customers_ == n
    with pytest.raises(clv.FitError, match="repeat"):                # the same checks and messages
        clv.fit_bgnbd_days([0, 0, 0], [0, 0, 0], [3, 4, 5])
    with pytest.raises(clv.FitError, match="recency <= T"):
        clv.fit_bgnbd_days([1, 2], [5, 1], [4, 3])


def test_single_threaded_blas_restores_the_thread_counts():
    controls = clv._openblas_thread_controls()
    before = [getter() for getter, _setter in controls]
    with clv.single_threaded_blas():
        assert all(getter() == 1 for getter, _setter in controls)
        with clv.single_threaded_blas():                      # nested use keeps one thread until the outer exit
            assert all(getter() == 1 for getter, _setter in controls)
        assert all(getter() == 1 for getter, _setter in controls)
    assert [getter() for getter, _setter in controls] == before
