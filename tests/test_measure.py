"""Measurement against the scripted NVML stand-in (tests/fake_nvml/pynvml.py): the adapter's
units, the meter's windows and confidence, power-limit resolution, apply, read-back,
restore and the journal."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path
from types import ModuleType

import pytest

from jarri.measure import journal
from jarri.measure.confidence import classify
from jarri.measure.nvml import Nvml, NvmlNotSupported, NvmlPermissionError
from jarri.measure.nvml_meter import NvmlEnergyMeter, measure_idle_w
from jarri.measure.power import PowerController, PowerLimitError, resolve, restore_from_journal
from jarri.measure.power_tokens import parse_tokens

FAKE = Path(__file__).parent / "fake_nvml" / "pynvml.py"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("JARRI_FAKE_NVML_STATE", str(tmp_path / "gpu.json"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    spec = importlib.util.spec_from_file_location("fake_pynvml", FAKE)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def nvml(fake: ModuleType) -> Nvml:
    return Nvml(fake).init()


def burn(seconds: float) -> None:
    """Keep the CPU busy: the stand-in GPU draws its load power meanwhile."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_adapter_converts_units(nvml: Nvml) -> None:
    assert nvml.count() == 2
    g = nvml.identity(1)
    assert (g.name, g.uuid, g.memory_total_mib) == ("NVIDIA H100 80GB HBM3",
                                                    "GPU-00000000-0000-0000-0000-000000000001",
                                                    81559)
    lim = nvml.limits(0)
    assert (lim.default_w, lim.min_w, lim.max_w, lim.enforced_w) == (700.0, 200.0, 700.0, 700.0)
    assert nvml.energy_j(0) == 5e6  # the stand-in starts at 5e9 mJ; here it is joules
    assert nvml.power_w(0) == pytest.approx(70.0)
    assert nvml.power_instant_w(0) == pytest.approx(70.0)  # field 186


def test_errors_are_translated(nvml: Nvml, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JARRI_FAKE_NVML_NO_ROOT", "1")
    with pytest.raises(NvmlPermissionError) as exc:
        nvml.set_limit_w(0, 300)
    assert "root" in str(exc.value) and "CAP_SYS_ADMIN" in str(exc.value)
    monkeypatch.setenv("JARRI_FAKE_NVML_NO_ENERGY", "1")
    with pytest.raises(NvmlNotSupported):
        nvml.energy_j(0)


@pytest.mark.parametrize(("window", "expected"), [(0.4, "low"), (1.3, "medium"), (2.2, "high")])
def test_confidence_follows_window_length(nvml: Nvml, window: float, expected: str) -> None:
    meter = NvmlEnergyMeter(nvml, [0, 1])
    meter.idle_power_w = 140.0
    meter.start()
    burn(window)
    r = meter.stop()
    assert r.method == "nvml_energy_counter" and r.confidence == expected, r.reason
    assert r.window_s == pytest.approx(window, abs=0.15)
    # two GPUs: 70 W idle each, up to 300 W each while this process computes
    assert 140 * window < r.gross_j < 700 * window
    assert r.net_j == pytest.approx(r.gross_j - 140.0 * r.window_s, abs=1e-6)
    assert r.avg_power_w == pytest.approx(r.gross_j / r.window_s)


def test_counter_that_did_not_move_is_invalid(nvml: Nvml) -> None:
    meter = NvmlEnergyMeter(nvml, [0])
    nvml.energy_j(0)  # a step has just been taken: the next 100 ms read the same value
    meter.start()
    r = meter.stop()
    assert r.confidence == "invalid" and "did not move" in r.reason


def test_small_net_share_and_clamping_lower_confidence() -> None:
    assert classify(3.0, 100.0, 5.0, moved=True)[0] == "medium"
    assert "idle baseline" in classify(3.0, 100.0, 5.0, moved=True)[1]
    assert classify(3.0, 100.0, 50.0, moved=True, residency="hybrid")[0] == "invalid"


def test_idle_baseline(nvml: Nvml) -> None:
    assert measure_idle_w(nvml, [0, 1], 0.5) == pytest.approx(140.0, rel=0.25)


def test_resolve_percent_watts_clamp_and_duplicates(nvml: Nvml) -> None:
    levels, notes = resolve(parse_tokens("60,41.5,250w,100,700w,150w,201w"), nvml, [0, 1])
    assert [(lv.token.request, lv.key) for lv in levels] == [
        ("60", (420.0, 420.0)), ("41.5", (290.0, 290.0)), ("250w", (250.0, 250.0)),
        ("100", (700.0, 700.0)), ("150w", (200.0, 200.0)), ("201w", (201.0, 201.0))]
    assert levels[4].gpus[0].clamped and not levels[0].gpus[0].clamped
    assert any("700w resolves to the same limit as 100" in n for n in notes)
    assert any("clamped to 200 W" in n for n in notes)


def test_apply_reads_back_and_restore_clears_journal(nvml: Nvml, fake: ModuleType,
                                                    tmp_path: Path) -> None:
    jpath = tmp_path / "journal.json"
    ctl = PowerController(nvml, [0, 1], journal_file=jpath, settle_s=0)
    (lv60, lv100), _ = resolve(parse_tokens("60,100"), nvml, [0, 1])
    assert ctl.apply(lv60) == {0: 420.0, 1: 420.0}
    assert journal.read(jpath) == {"GPU-00000000-0000-0000-0000-000000000000": 700.0,
                                   "GPU-00000000-0000-0000-0000-000000000001": 700.0}
    sets = json.loads((tmp_path / "gpu.json").read_text())["history"]["sets"]
    ctl.apply(lv60)  # already in place: no NVML call
    assert json.loads((tmp_path / "gpu.json").read_text())["history"]["sets"] == sets
    ctl.apply(lv100)
    ctl.restore()
    assert nvml.limits(0).enforced_w == 700.0 and not jpath.exists()


def test_readback_mismatch_is_an_error(nvml: Nvml, fake: ModuleType,
                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ctl = PowerController(nvml, [0], journal_file=tmp_path / "j.json", settle_s=0)
    (lv,), _ = resolve(parse_tokens("60"), nvml, [0])
    monkeypatch.setattr(fake, "nvmlDeviceSetPowerManagementLimit", lambda h, mw: None)
    with pytest.raises(PowerLimitError, match="enforced limit reads 700.0 W"):
        ctl.apply(lv)


def test_no_permission_changes_nothing(nvml: Nvml, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    jpath = tmp_path / "j.json"
    ctl = PowerController(nvml, [0, 1], journal_file=jpath, settle_s=0)
    (lv,), _ = resolve(parse_tokens("60"), nvml, [0, 1])
    monkeypatch.setenv("JARRI_FAKE_NVML_NO_ROOT", "1")
    with pytest.raises(NvmlPermissionError):
        ctl.apply(lv)
    ctl.restore()
    assert nvml.limits(0).enforced_w == 700.0 and not jpath.exists()


def test_journal_restores_after_a_crash(nvml: Nvml, tmp_path: Path) -> None:
    jpath = tmp_path / "j.json"
    ctl = PowerController(nvml, [0, 1], journal_file=jpath, settle_s=0)
    (lv,), _ = resolve(parse_tokens("250w"), nvml, [0, 1])
    ctl.apply(lv)
    del ctl  # the process "dies" here: nothing restored, the journal remains
    assert nvml.limits(1).enforced_w == 250.0 and jpath.exists()
    done = restore_from_journal(nvml, jpath)
    assert len(done) == 2 and all("restored to 700 W" in d for d in done)
    assert nvml.limits(1).enforced_w == 700.0 and not jpath.exists()
    assert restore_from_journal(nvml, jpath) == []


def fake_rapl(root: Path, values: list[int], max_range: int = 262143328850) -> Path:
    for i, v in enumerate(values):
        z = root / f"intel-rapl:{i}"
        (z / f"intel-rapl:{i}:0").mkdir(parents=True)  # a sub-zone: must not be counted
        (z / "energy_uj").write_text(f"{v}\n")
        (z / "max_energy_range_uj").write_text(f"{max_range}\n")
        (z / f"intel-rapl:{i}:0" / "energy_uj").write_text("1\n")
    return root


def test_rapl_reads_packages_and_handles_wrap(tmp_path: Path) -> None:
    from jarri.measure.rapl import RaplMeter, RaplUnavailable, delta_uj

    assert delta_uj(100, 350, 1000) == 250
    assert delta_uj(900, 50, 1000) == 150  # wrapped once
    root = fake_rapl(tmp_path / "powercap", [999_000_000, 5_000_000], max_range=1_000_000_000)
    meter = RaplMeter(root)
    assert [z.name for z in meter.zones] == ["intel-rapl:0", "intel-rapl:1"]
    meter.start()
    (root / "intel-rapl:0" / "energy_uj").write_text("3000000\n")    # wrapped: +4 J
    (root / "intel-rapl:1" / "energy_uj").write_text("7500000\n")    # +2.5 J
    time.sleep(0.05)
    r = meter.stop()
    assert r.method == "rapl_powercap" and r.gross_j == pytest.approx(6.5)
    assert "CPU package energy" in r.reason and r.confidence == "low"
    with pytest.raises(RaplUnavailable, match="does not exist"):
        RaplMeter(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RaplUnavailable, match="no intel-rapl package zones"):
        RaplMeter(tmp_path / "empty")


def test_sampler_integrates_with_the_trapezoid_rule() -> None:
    from jarri.measure.sampler import SampledPowerMeter, trapezoid

    assert trapezoid([(0.0, 100.0), (1.0, 200.0), (3.0, 200.0)]) == pytest.approx(550.0)
    meter = SampledPowerMeter(lambda: 250.0, interval_s=0.01)
    meter.idle_power_w = 50.0
    meter.start()
    time.sleep(0.3)
    r = meter.stop()
    assert r.method == "nvml_power_sampled" and r.samples > 10
    assert r.gross_j == pytest.approx(250.0 * r.window_s, rel=1e-9)
    assert r.net_j == pytest.approx(200.0 * r.window_s, rel=1e-9)
    assert r.peak_power_w == 250.0 and r.confidence == "low"


def test_factory_picks_the_best_meter(nvml: Nvml, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from jarri.measure.gpu import GpuSetup, best_meter_for

    gpus = GpuSetup(nvml, "fake", [0, 1], [nvml.identity(0), nvml.identity(1)])
    assert best_meter_for(gpus, tmp_path / "none").method == "nvml_energy_counter"
    monkeypatch.setenv("JARRI_FAKE_NVML_NO_ENERGY", "1")
    assert best_meter_for(gpus, tmp_path / "none").method == "nvml_power_sampled"
    nogpu = GpuSetup(None, "nvidia-ml-py is not installed")
    rapl = fake_rapl(tmp_path / "powercap", [10])
    assert best_meter_for(nogpu, rapl).method == "rapl_powercap"
    null = best_meter_for(nogpu, tmp_path / "none")
    assert null.method == "none"
    assert "nvidia-ml-py is not installed" in null.stop().reason
    assert "no CPU RAPL" in null.stop().reason


DAMAGED = [b"", b"{", b"not json", b"[]", b'{"original_limits_w": 5}',
           b'{"original_limits_w": {"GPU-x": "700"}}', b'{"original_limits_w": {"GPU-x": -1}}',
           b'{"original_limits_w": {"GPU-x": NaN}}', b'{"original_limits_w": {"GPU-x": true}}',
           b"\xff\xfe", b'{"pid": 3}', b"[" * 5000]


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_journal_stops_everything_that_touches_limits(
        nvml: Nvml, tmp_path: Path, content: bytes) -> None:
    jpath = tmp_path / "j.json"
    ctl = PowerController(nvml, [0, 1], journal_file=jpath, settle_s=0)
    (lv,), _ = resolve(parse_tokens("250w"), nvml, [0, 1])
    ctl.apply(lv)  # limits changed, journal written ...
    jpath.write_bytes(content)  # ... then the journal is damaged (a crash, a bad edit)
    with pytest.raises(journal.JournalError) as exc:
        restore_from_journal(nvml, jpath)
    assert str(jpath) in exc.value.message and "nvidia-smi" in (exc.value.hint or "")
    assert jpath.read_bytes() == content and nvml.limits(0).enforced_w == 250.0
    other = PowerController(nvml, [0, 1], journal_file=jpath, settle_s=0)
    (lv2,), _ = resolve(parse_tokens("300w"), nvml, [0, 1])
    with pytest.raises(journal.JournalError):
        other.apply(lv2)  # refused before the first change
    assert nvml.limits(0).enforced_w == 250.0 and jpath.read_bytes() == content


def test_gpus_not_in_the_machine_stay_in_the_journal_until_discarded(
        nvml: Nvml, tmp_path: Path) -> None:
    jpath = tmp_path / "j.json"
    here = nvml.identity(0).uuid
    nvml.set_limit_w(0, 300)
    journal.write(jpath, {here: 700.0, "GPU-gone": 450.0})
    done = restore_from_journal(nvml, jpath)
    assert nvml.limits(0).enforced_w == 700.0
    assert any("GPU-gone" in d and "stays in" in d and "--discard GPU-gone" in d for d in done)
    assert journal.read(jpath) == {"GPU-gone": 450.0}
    with pytest.raises(journal.JournalError) as exc:
        journal.discard(jpath, "GPU-other")
    assert "GPU-gone" in (exc.value.hint or "")
    assert journal.discard(jpath, "GPU-gone") == 450.0 and not jpath.exists()


def test_a_failed_journal_write_keeps_the_old_journal(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    jpath = tmp_path / "j.json"
    journal.write(jpath, {"GPU-a": 700.0})
    before = jpath.read_bytes()

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError):
        journal.write(jpath, {"GPU-a": 700.0, "GPU-b": 450.0})
    assert jpath.read_bytes() == before and list(tmp_path.iterdir()) == [jpath]
