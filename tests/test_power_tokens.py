import pytest

from jarri.errors import ConfigError
from jarri.measure.power_tokens import parse_token, parse_tokens


@pytest.mark.parametrize(("token", "mode", "value"), [
    ("41", "percent", 41.0), ("80", "percent", 80.0), ("112", "percent", 112.0),
    ("41.5", "percent", 41.5), ("144w", "watts", 144.0), ("270W", "watts", 270.0),
    (" 60 ", "percent", 60.0),
])
def test_good_tokens(token: str, mode: str, value: float) -> None:
    lv = parse_token(token)
    assert (lv.mode, lv.value, lv.request) == (mode, value, token.strip())


@pytest.mark.parametrize("token", ["abc", "-5", "0", "80%%", "w", "", "1e3", "0w", "80ww",
                                   "80 w", "201", "0.0"])
def test_bad_tokens_are_rejected_with_a_message(token: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_token(token)
    assert repr(token.strip()) in str(exc.value) or "token" in str(exc.value)


def test_list_parsing_and_duplicates() -> None:
    assert [lv.request for lv in parse_tokens("60,80,250w")] == ["60", "80", "250w"]
    with pytest.raises(ConfigError, match="given twice"):
        parse_tokens("80,80.0")
    with pytest.raises(ConfigError, match="empty"):
        parse_tokens("60,,80")
