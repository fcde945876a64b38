"""Command line: parse options, build the objects, run the pipeline, return an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource
from click.shell_completion import CompletionItem

from mindie_epcheck import __version__
from mindie_epcheck.cli import commands
from mindie_epcheck.cli.click_zh import use_chinese
from mindie_epcheck.cli.messages import (
    EXPLAIN_HELP,
    GROUP_HELP,
    METAVARS,
    OPTION_HELP,
    RULES_HELP,
    SIMULATE_HELP,
    VALIDATE_HELP,
)
from mindie_epcheck.cli.schema_command import schema_command
from mindie_epcheck.i18n import Lang, Text, choose_language
from mindie_epcheck.report.formats import REPORTERS
from mindie_epcheck.report.output import OutputError, OutputTarget, parse_target
from mindie_epcheck.settings.messages import SETTINGS_HELP

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2


HARDWARE_NAMES = ("atlas-800i-a2-64g", "atlas-800i-a2-32g", "atlas-800i-a3")

# Help of the validate options that choose the reports and the exit code.
REPORT_HELP = {
    "format": Text(
        "Output format, one of {formats}; add :PATH to write that format to a file instead of "
        "standard output. Repeatable, such as --format text --format sarif:epcheck.sarif; at "
        "most one format may go to standard output.",
        "输出格式，取 {formats} 之一；加上 :PATH 则把该格式写入文件而不是标准输出。可重复使用，如 "
        "--format text --format sarif:epcheck.sarif；最多一个格式输出到标准输出。",
    ),
    "statistics": Text(
        "Add the number of findings per rule code: a table after the text output, and a "
        '"statistics" object in the JSON summary.',
        '附加各规则编号的问题数：文本输出末尾加一张表，JSON 输出的 summary 中加 "statistics" 对象。',
    ),
    "exit_zero": Text(
        "Exit with 0 even when there are findings at or above --fail-on; usage and input "
        "errors still exit with 2.",
        "即使存在达到 --fail-on 级别的问题，退出码也为 0；用法或输入错误的退出码仍为 2。",
    ),
}


def format_names(lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(REPORTERS)


if TYPE_CHECKING:
    # click 8.4 made ParamType generic; subscripting it at run time fails on older click.
    FormatTargetBase = click.ParamType[OutputTarget]
else:
    FormatTargetBase = click.ParamType


class FormatTarget(FormatTargetBase):
    """A `--format` value, FORMAT or FORMAT:PATH, with FORMAT from the reporter table."""

    name = "format"

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> OutputTarget:
        if isinstance(value, OutputTarget):
            return value
        try:
            return parse_target(str(value), REPORTERS)
        except OutputError as problem:
            self.fail(problem.text.get(self.lang), param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [CompletionItem(name) for name in REPORTERS if name.startswith(incomplete)]


def prescan_language(argv: Sequence[str]) -> Lang:
    """Find --lang before click parses, so that --help is already in that language."""
    option = None
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            option = argv[index + 1]
        elif arg.startswith("--lang="):
            option = arg.split("=", 1)[1]
    return choose_language(option)


def stacked(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Combine option decorators into one that adds them in the order given."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def build_cli(lang: Lang) -> click.Group:
    def text(key: str) -> str:
        return OPTION_HELP[key].get(lang)

    def metavar(key: str) -> str:
        return METAVARS[key].get(lang)

    lang_option = click.option(
        "--lang", type=click.Choice(["en", "zh"]), default=None, help=text("lang")
    )
    # The inputs and the layout options that validate and simulate share, in this order.
    input_options = stacked(
        click.option(
            "--ranktable",
            type=click.Path(dir_okay=False),
            metavar=metavar("ranktable"),
            help=text("ranktable"),
        ),
        click.option(
            "--model-config",
            type=click.Path(dir_okay=False),
            metavar=metavar("model_config"),
            help=text("model_config"),
        ),
        click.option("--hardware", type=click.Choice(HARDWARE_NAMES), help=text("hardware")),
    )
    layout_options = stacked(
        click.option(
            "--nodes", type=click.IntRange(1, 60), metavar=metavar("nodes"), help=text("nodes")
        ),
        click.option("--env", "env_pairs", multiple=True, metavar="NAME=VALUE", help=text("env")),
    )

    @click.group(
        help=GROUP_HELP.get(lang), context_settings={"help_option_names": ["-h", "--help"]}
    )
    @click.version_option(__version__, prog_name="epcheck")
    def group() -> None:
        pass

    @group.command("validate", help=VALIDATE_HELP.get(lang))
    @click.argument("paths", nargs=-1, metavar="PATH...")
    @input_options
    @click.option(
        "--interconnect", type=click.Choice(["switch", "direct"]), help=text("interconnect")
    )
    @click.option(
        "--mindie-version",
        type=click.Choice(["2.0", "2.1", "2.2", "3.0"]),
        default="3.0",
        show_default=True,
        help=text("mindie_version"),
    )
    @layout_options
    @click.option(
        "--format",
        "output_targets",
        type=FormatTarget(lang),
        multiple=True,
        default=["text"],
        show_default=True,
        metavar="FORMAT[:PATH]",
        help=REPORT_HELP["format"].get(lang).format(formats=format_names(lang)),
    )
    @click.option("--statistics", is_flag=True, help=REPORT_HELP["statistics"].get(lang))
    @click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info"]),
        default="error",
        show_default=True,
        help=text("fail_on"),
    )
    @click.option("--exit-zero", is_flag=True, help=REPORT_HELP["exit_zero"].get(lang))
    @click.option("--select", default="", metavar="CODES", help=text("select"))
    @click.option("--ignore", default="", metavar="CODES", help=text("ignore"))
    @click.option(
        "--stdin-filename",
        default="<stdin>",
        metavar=metavar("stdin_filename"),
        help=text("stdin_filename"),
    )
    @click.option("--wrap-fragment", is_flag=True, help=text("wrap_fragment"))
    @click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        metavar=metavar("config"),
        help=SETTINGS_HELP["config"].get(lang),
    )
    @click.option("--isolated", is_flag=True, help=SETTINGS_HELP["isolated"].get(lang))
    @click.option(
        "--baseline",
        type=click.Path(dir_okay=False),
        metavar=metavar("baseline"),
        help=SETTINGS_HELP["baseline"].get(lang),
    )
    @click.option("--fix", is_flag=True, help=text("fix"))
    @click.option("--unsafe-fixes", is_flag=True, help=text("unsafe_fixes"))
    @click.option("--diff", is_flag=True, help=text("diff"))
    @lang_option
    def validate(**options: Any) -> None:
        # Settings files fill in only the options that the command line leaves at the default.
        context = click.get_current_context()
        options["given"] = {
            name
            for name in options
            if context.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
        }
        sys.exit(commands.validate(options))

    @group.command("simulate", help=SIMULATE_HELP.get(lang))
    @click.argument("config", metavar="CONFIG")
    @input_options
    @layout_options
    @click.option(
        "--level",
        type=click.Choice(["1", "2", "both"]),
        default="both",
        show_default=True,
        help=text("level"),
    )
    @click.option(
        "--tokens",
        "lengths",
        type=click.IntRange(1, 16_777_216),
        multiple=True,
        metavar="N",
        help=text("tokens"),
    )
    @click.option(
        "--skew",
        default="uniform",
        show_default=True,
        metavar=metavar("skew"),
        help=text("skew"),
    )
    @click.option(
        "--trials",
        type=click.IntRange(10, 1_000_000),
        default=2000,
        show_default=True,
        metavar=metavar("trials"),
        help=text("trials"),
    )
    @click.option(
        "--seed",
        type=int,
        default=0,
        show_default=True,
        metavar=metavar("seed"),
        help=text("seed"),
    )
    @click.option(
        "--mode",
        type=click.Choice(["fast", "exact"]),
        default="fast",
        show_default=True,
        help=text("mode"),
    )
    @click.option(
        "--target",
        type=click.FloatRange(1e-5, 0.5),
        default=1e-3,
        show_default=True,
        metavar=metavar("target"),
        help=text("target"),
    )
    @click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=text("format"),
    )
    @click.option(
        "--plot", type=click.Path(dir_okay=False), metavar=metavar("plot"), help=text("plot")
    )
    @lang_option
    def simulate(**options: Any) -> None:
        # Imported here: only simulate needs the cost model's simulator.
        from mindie_epcheck.cli import simulate as simulate_command

        sys.exit(simulate_command.simulate(options))

    @group.command("rules", help=RULES_HELP.get(lang))
    @click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help=text("rules_format"),
    )
    @lang_option
    def rules(output_format: str, lang: str | None) -> None:
        sys.exit(commands.list_rules(output_format, choose_language(lang)))

    @group.command("explain", help=EXPLAIN_HELP.get(lang))
    @click.argument("code")
    @lang_option
    def explain(code: str, lang: str | None) -> None:
        sys.exit(commands.explain(code, choose_language(lang)))

    group.add_command(schema_command(lang))
    return group


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    lang = prescan_language(args)
    if lang == "zh":
        use_chinese()
    cli = build_cli(lang)
    try:
        cli.main(args=args, prog_name="epcheck")
    except BrokenPipeError:
        # The reader (such as `head`) closed the pipe: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
