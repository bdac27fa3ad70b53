"""``import tardis-options-chain``: Tardis.dev ``options_chain`` CSV → chain snapshots, on the real published sample."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.core.errors import UserInputError
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps
from tests.realdata import real_path

SAMPLE = ("deribit_options", "nautilus_tardis_options_chain_sample.csv")
T1 = datetime.fromtimestamp(1591574460, tz=UTC)  # end of the minute holding rows 2-6 (2020-06-08 00:01 UTC)


@pytest.mark.real_data
def test_minute_snapshots_carry_instruments_forward_without_look_ahead(tmp_path: Path) -> None:
    path = real_path(*SAMPLE)
    with HistoryStore(tmp_path / "h.duckdb") as st:
        rep = import_dumps("tardis-options-chain", [path], st, every_s=60)
        # BTC: 00:00 {9875-P}, 00:01 {9875-P, 10000-C}, 00:02 the same two carried; ETH: 00:01 two. The
        # BTC-10JUN20-10000-C row has no open interest: dropped and counted, not stored as zero.
        assert rep.inserted["option_rows"] == 1 + 2 + 2 + 2
        assert rep.dropped == {"missing numeric field": 1}
        again = import_dumps("tardis-options-chain", [path], st, every_s=60)
        assert again.inserted["option_rows"] == 0  # idempotent
        btc = st.latest_option_chain("BTC", venue="deribit", as_of=T1, max_age_s=30)
        eth = st.latest_option_chain("ETH", venue="deribit", as_of=T1, max_age_s=30)
        first = st.latest_option_chain("BTC", venue="deribit", as_of=T1 - timedelta(seconds=1), max_age_s=120)
    assert btc is not None
    assert eth is not None
    assert first is not None
    assert btc.source.as_of == T1
    assert btc.instrument == ("BTC-9JUN20-9875-P", "BTC-9JUN20-10000-C")
    # the 9875-P as of 00:01 is its second update (00:00:04), not the third (00:01:00.454, after T1)
    np.testing.assert_allclose(btc.mark_iv[0], 0.6286)
    np.testing.assert_allclose(btc.mark_price_coin[0], 0.02209480)
    np.testing.assert_allclose(btc.underlying_price_usd[0], 9756.37)
    assert btc.delta_published is not None
    np.testing.assert_allclose(btc.delta_published[0], -0.61757)
    assert np.isnan(btc.volume_base).all()  # not in the format: missing, never zero
    assert not btc.is_call[0]
    assert bool(btc.is_call[1])
    assert btc.expiry[0] == np.datetime64("2020-06-09T08:00", "ms")
    assert first.instrument == ("BTC-9JUN20-9875-P",)
    np.testing.assert_allclose(first.mark_iv[0], 0.6289)
    assert eth.instrument == ("ETH-9JUN20-250-P", "ETH-9JUN20-300-C")


def test_not_an_options_chain_file_is_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with HistoryStore(tmp_path / "h.duckdb") as st, pytest.raises(UserInputError, match="missing columns"):
        import_dumps("tardis-options-chain", [bad], st)
    rc = main(["import", "tardis-options-chain", str(bad), "--store", str(tmp_path / "h2.duckdb")])
    assert rc == 2
    assert "not a Tardis options_chain CSV" in capsys.readouterr().err


def test_options_chain_of_an_undeclared_exchange_is_refused(tmp_path: Path) -> None:
    """The chains are stored under the venue the file's exchange declares (sources/<venue>/tardis.py); an exchange
    without a declaration is refused in one line, not stored as Deribit's."""
    from derivintel.sources.tardis.options_chain import parse_chain_file

    text = real_path(*SAMPLE).read_text()
    other = tmp_path / "okex.csv"
    lines = text.splitlines()
    other.write_text("\n".join([lines[0], *(ln.replace("deribit,", "okex-options,", 1) for ln in lines[1:]), ""]))
    with pytest.raises(UserInputError, match="exchange 'okex-options' is not declared for Tardis imports"):
        parse_chain_file(other, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    ours = parse_chain_file(real_path(*SAMPLE), received_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert ours.chain_venue == "deribit"
