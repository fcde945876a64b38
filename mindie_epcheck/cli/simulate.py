"""`epcheck simulate`: build the deployment from the config, estimate, and report."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from mindie_epcheck.cli import messages
from mindie_epcheck.cli.commands import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    load_model_config,
    make_settings,
    read_option_file,
)
from mindie_epcheck.cost import simulation
from mindie_epcheck.cost.deployment import build_deployment
from mindie_epcheck.cost.simulation import SimulationOptions, SimulationResult
from mindie_epcheck.cost.skew_spec import SkewError, parse_skew
from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Lang, Text, choose_language
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.view import EntryView, ServiceView
from mindie_epcheck.pipeline import InputError, build_subject, ranktable_input, read_file
from mindie_epcheck.report.errors import print_error, print_notice
from mindie_epcheck.report.output import OutputError, OutputTarget, write_atomic
from mindie_epcheck.report.plot_svg import render_svg
from mindie_epcheck.report.progress import delayed_progress
from mindie_epcheck.report.simulate_format import render_json, render_table
from mindie_epcheck.rules.registry import all_rules
from mindie_epcheck.rules.runner import run_rules
from mindie_epcheck.source.document import load

PROGRESS_LABEL = Text("simulating dispatch", "正在仿真分发")
PLOT_WRITE_FAILED = Text(
    "--plot {path}: cannot write the picture: {reason}", "--plot {path}：无法写入图片：{reason}"
)


def simulation_options(options: dict[str, Any]) -> SimulationOptions:
    levels = (1, 2) if options["level"] == "both" else (int(options["level"]),)
    return SimulationOptions(
        levels=levels,
        lengths=tuple(options["lengths"]),
        skew=options["skew"],
        trials=options["trials"],
        seed=options["seed"],
        mode=options["mode"],
        target=options["target"],
    )


def load_subject(options: dict[str, Any]) -> Subject:
    settings = make_settings(
        {**options, "interconnect": None, "mindie_version": "3.0", "wrap_fragment": False}
    )
    ranktable = None
    if options["ranktable"]:
        path = options["ranktable"]
        ranktable = ranktable_input(load(path, read_option_file("--ranktable", path)))
    document = load(options["config"], read_file(options["config"]))
    return build_subject(document, settings, ranktable, load_model_config(options["model_config"]))


def run_simulations(
    subject: Subject, options: dict[str, Any], lang: Lang
) -> list[SimulationResult]:
    entries = subject.entries()
    if not entries:
        raise UsageError(_no_estimate(options["config"], "entries"))
    # Checked before the simulation starts; the histogram size is checked per model there.
    parse_skew(options["skew"])
    plan = simulation_options(options)
    results = []
    with delayed_progress(PROGRESS_LABEL.get(lang)) as progress:
        for view, entry in entries:
            deployment = build_deployment(subject, view, entry, options["hardware"])
            if deployment is None:
                where = f"{options['config']}:{entry.pointer or '/'}"
                raise UsageError(_no_estimate(where, _no_estimate_reason(subject, view, entry)))
            results.append(simulation.simulate(deployment, entry.pointer, plan, progress.update))
    return results


def _no_estimate_reason(subject: Subject, view: ServiceView, entry: EntryView) -> str:
    """Name what build_deployment lacked: the model, worldSize, the node count or the sizes."""
    facts = subject.facts_for(entry)
    if facts is None or not facts.is_deepseek_moe:
        return "model"
    world_size = entry.entry.world_size
    if world_size is None or world_size < 1:
        return "world_size"
    if subject.layout(view, entry).world is None:
        return "layout"
    return "parallel"


def _no_estimate(pointer: str, reason: str) -> Text:
    because = messages.NO_ESTIMATE_REASONS[reason]
    return Text(
        messages.NO_ESTIMATE.en.format(pointer=pointer, reason=because.en),
        messages.NO_ESTIMATE.zh.format(pointer=pointer, reason=because.zh),
    )


def _warn_of_layout_errors(subject: Subject, path: str, lang: Lang) -> None:
    """Warn when the parallel or EP rules find errors: MindIE would not start with the config
    that the estimate below describes."""
    rules = [
        declared
        for declared in all_rules()
        if declared.code.startswith(("EP2", "EP3")) and declared.severity == Severity.ERROR
    ]
    codes = sorted({finding.code for finding in run_rules(subject, rules)})
    if codes:
        print_notice(messages.LAYOUT_ERRORS.format(path=path, codes=", ".join(codes)), lang)


def simulate_command(options: dict[str, Any], lang: Lang) -> int:
    plot = options["plot"]
    if plot and not plot.lower().endswith(".svg"):
        raise UsageError(messages.PLOT_FORMAT.format(path=plot))
    inputs = [options["config"], options["ranktable"], options["model_config"]]
    if plot and os.path.realpath(plot) in {os.path.realpath(path) for path in inputs if path}:
        raise UsageError(messages.PLOT_IS_INPUT.format(path=plot))
    subject = load_subject(options)
    _warn_of_layout_errors(subject, options["config"], lang)
    results = run_simulations(subject, options, lang)
    if plot:
        # Written before standard output, so a closed pipe (`| head`) cannot lose it.
        svg = render_svg(results[0], lang)

        def render(stream: TextIO) -> None:
            stream.write(svg)

        write_atomic(OutputTarget("svg", plot), render, PLOT_WRITE_FAILED)
    if options["output_format"] == "json":
        render_json(results, sys.stdout)
    else:
        for result in results:
            render_table(result, lang, sys.stdout)
    return EXIT_OK


def simulate(options: dict[str, Any]) -> int:
    lang = choose_language(options["lang"])
    try:
        return simulate_command(options, lang)
    except (UsageError, InputError, OutputError, SkewError) as problem:
        print_error(problem.text, lang)
        return EXIT_USAGE
    except (ValueError, OverflowError, MemoryError) as problem:
        # Values the simulator still cannot size: the message names the problem, in English.
        reason = str(problem) or type(problem).__name__
        print_error(
            Text("cannot simulate this input: {reason}", "无法仿真该输入：{reason}").format(
                reason=reason
            ),
            lang,
        )
        return EXIT_USAGE
