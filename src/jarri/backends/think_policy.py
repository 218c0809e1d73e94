"""Who thinks, at what level, with what budget: decided per model before the sweep runs.

Facts from Ollama's source (server/routes.go ``GenerateHandler`` / ``ChatHandler``;
api/types.go ``ThinkValue``; docs/capabilities/thinking.mdx):

- A model with the ``thinking`` capability (``/api/show`` ``capabilities``) thinks when the
  request leaves ``think`` unset (since 0.12.4), so "unset" is never what a record says: the
  effective value is written down and sent explicitly, whatever the server's default.
- ``think: true`` (or a level) to a model without the capability is HTTP 400 "... does not
  support thinking"; such a model is never sent ``think``.
- ``think`` is a bool or a level (``low``/``medium``/``high``; ``max`` since 0.22); ``true``
  means ``medium``. gpt-oss (family ``gptoss``/``gpt-oss``, the harmony format) ignores
  true/false and cannot stop thinking, so it is always sent a level.
- ``eval_count`` includes the thinking tokens, and ``num_predict`` caps thinking and answer
  together. A thinking run therefore gets its own budget on top of the answer's cap
  (``max_thinking_tokens``, recorded; ``num_predict`` = answer cap + budget) and a context
  larger by the same budget; a run that ends while still thinking is labelled
  ``thinking_cap_reached``: the harness's cap, not the model rambling.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from jarri.backends.base import GenerationOptions, ModelInfo, ThinkValue
from jarri.errors import ConfigError
from jarri.vocabulary import THINK_LEVELS

GPT_OSS_FAMILIES = ("gptoss", "gpt-oss")
GPT_OSS_DEFAULT_LEVEL = "medium"  # what Ollama renders for think=true (ThinkValue.String)


class ThinkValueError(ValueError):
    """A --think value no server accepts."""


def parse_think(value: object) -> ThinkValue:
    """A think setting from the command line or a sweep file: a bool, a level or unset."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "on", "yes"):
            return True
        if text in ("false", "off", "no"):
            return False
        if text in THINK_LEVELS:
            return text
    raise ThinkValueError(f"think must be true, false or a level ({', '.join(THINK_LEVELS)}), "
                          f"not {value!r}")


@dataclass(frozen=True)
class ThinkDecision:
    options: GenerationOptions  # think = the effective value; the budget set when thinking
    note: str | None = None     # for the plan summary: what was asked and not done


def _thinking(options: GenerationOptions, think: ThinkValue) -> GenerationOptions:
    """The options with ``think`` decided; a thinking run's context grows by its thinking
    budget, so thinking cannot fill the room the prompt and the answer were given."""
    decided = replace(options, think=think)
    if decided.thinking_budget:
        decided = replace(decided, num_ctx=options.num_ctx + decided.thinking_budget)
    return decided


MAX_LEVEL_SINCE = (0, 22, 0)  # "max" joined the levels then (api/types.go ThinkValue)


def decide_ollama(info: ModelInfo, options: GenerationOptions,
                  server_version: tuple[int, int, int] | None = None) -> ThinkDecision:
    requested = options.think
    if (requested == "max" and server_version is not None and server_version != (0, 0, 0)
            and server_version < MAX_LEVEL_SINCE):
        need = ".".join(map(str, MAX_LEVEL_SINCE))
        raise ConfigError(f"think level 'max' needs Ollama {need} or newer; this server "
                          f"answers every such request HTTP 400 (invalid think value)",
                          hint="use --think-level high, or upgrade Ollama")
    caps = info.capabilities
    if caps is None:
        # The server did not list capabilities (an old Ollama): send what was asked, and say
        # that an unset value leaves the choice to the server.
        note = None if requested is not None else (
            f"{info.name}: the server lists no capabilities, so whether it thinks is the "
            "server's choice (give --think or --no-think to pin it)")
        return ThinkDecision(_thinking(options, requested), note)
    if "thinking" not in caps:
        note = None if requested in (None, False) else (
            f"{info.name} cannot think (no 'thinking' capability): think is not sent")
        return ThinkDecision(_thinking(options, None), note)
    if (info.family or "").lower() in GPT_OSS_FAMILIES:
        level = requested if isinstance(requested, str) else GPT_OSS_DEFAULT_LEVEL
        note = None
        if requested is False:
            note = (f"{info.name} (gpt-oss) cannot stop thinking; it runs at think "
                    f"'{level}'")
        if level == "max":
            # harmony knows low/medium/high only: Ollama runs "max" as "high" (routes.go), so
            # the record says what ran and a "max" sweep is not a second "high" one.
            level, note = "high", f"{info.name} (gpt-oss) runs think 'max' as 'high'"
        return ThinkDecision(_thinking(options, level), note)
    effective: ThinkValue = True if requested is None else requested
    return ThinkDecision(_thinking(options, effective))


def decide_openai(info: ModelInfo, options: GenerationOptions, endpoint: str) -> ThinkDecision:
    """OpenAI-compatible servers: a think setting given is sent through the chat template
    (``chat_template_kwargs.enable_thinking``, which llama-server and vLLM pass to templates
    that read it; a level also as ``reasoning_effort``) and recorded; unset, nothing is sent
    and the record says null: the server's template decides (llama-server thinks wherever
    the template supports it)."""
    if options.think is None:
        return ThinkDecision(options)
    if endpoint != "chat":
        return decide_not_sent("openai completions endpoint", info, options)
    return ThinkDecision(_thinking(options, options.think))


def decide_not_sent(backend: str, info: ModelInfo, options: GenerationOptions) -> ThinkDecision:
    """Backends that send no think setting: the record says none was sent."""
    note = None if options.think is None else (
        f"{info.name}: the {backend} backend sends no think setting; --think is ignored")
    return ThinkDecision(replace(options, think=None), note)
