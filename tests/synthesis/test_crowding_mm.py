import pytest

from derivintel.core.result import Status
from derivintel.synthesis.crowding import crowded_side, squeeze_heuristic
from derivintel.synthesis.market_maker import MarketMakerInputs, read_market_makers


def test_crowded_longs():
    # votes: z 2.0>=1.5 → +1; funding>0 → +0.5; accounts 0.7>=0.6 → +1; top positions 0.5 → 0. mean = 2.5/4
    call = crowded_side(funding_zscore=2.0, funding_1h=1e-5, long_share_accounts=0.7, long_share_top_positions=0.5)
    assert call.value.score == pytest.approx(0.625)
    assert call.value.side == "longs"


def test_crowding_missing_inputs_listed():
    call = crowded_side(funding_zscore=None, funding_1h=-1e-5, long_share_accounts=None, long_share_top_positions=0.3)
    # votes: -0.5, -1 → mean -0.75
    assert call.status is Status.PARTIAL
    assert call.value.side == "shorts"
    assert "funding z-score" in call.value.missing


def test_squeeze_is_labelled_uncalibrated():
    # crowding -0.5 → short degree 0.5; fuel above 300 of 400 → 0.75; score = 0.25 + 0.375
    sq = squeeze_heuristic(crowding_score=-0.5, long_liq_within_2pct_usd=100.0, short_liq_within_2pct_usd=300.0)
    assert sq.value.short_squeeze_score == pytest.approx(0.625)
    assert sq.value.long_squeeze_score == pytest.approx(0.125)
    assert "not a probability" in sq.value.label
    assert squeeze_heuristic(crowding_score=None, long_liq_within_2pct_usd=1, short_liq_within_2pct_usd=1).value is None


def test_market_maker_rules():
    read = read_market_makers(
        MarketMakerInputs(
            price_usd=100.0,
            max_pain_usd=101.0,
            days_to_headline_expiry=1.0,
            net_gex_usd_per_1pct=5e6,
            gamma_flip_usd=95.0,
            long_liq_below_usd=2e6,
            short_liq_above_usd=1e6,
            book_imbalance=0.0,
        )
    ).value
    assert read.regime == "dampening"
    assert read.pin_risk
    assert read.sweep_direction == "down"
    below_flip = read_market_makers(MarketMakerInputs(price_usd=90.0, net_gex_usd_per_1pct=5e6, gamma_flip_usd=95.0))
    assert below_flip.value.regime == "amplifying"
    assert below_flip.status is Status.PARTIAL
    assert read_market_makers(MarketMakerInputs(price_usd=1.0)).value is None


def test_market_maker_sweep_with_one_side_empty_is_maximal_not_missing():
    def sweep(below, above):
        r = read_market_makers(MarketMakerInputs(price_usd=100.0, long_liq_below_usd=below, short_liq_above_usd=above))
        return r.value.sweep_direction if r.value else None, (r.value.missing if r.value else ("all",))

    assert sweep(5e6, 0.0) == ("down", ("dealer gamma", "max pain / expiry", "book imbalance"))
    assert sweep(0.0, 5e6)[0] == "up"
    assert sweep(0.0, 0.0)[0] is None
    assert "liquidation map" not in sweep(0.0, 0.0)[1]
    assert sweep(1e6, 1e6)[0] is None  # balanced: under the 1.5x threshold
    assert sweep(1.5e6, 1e6)[0] == "down"
    gap = read_market_makers(MarketMakerInputs(price_usd=100.0, net_gex_usd_per_1pct=1.0, short_liq_above_usd=1e6))
    assert "liquidation map" in gap.value.missing
