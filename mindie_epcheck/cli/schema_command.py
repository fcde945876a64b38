"""`epcheck schema`: print or write the JSON Schema of config.json or of a rank table."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from mindie_epcheck.cli.messages import METAVARS, OPTION_HELP
from mindie_epcheck.i18n import Lang, Text, choose_language
from mindie_epcheck.report.errors import print_error
from mindie_epcheck.report.output import OutputError, OutputTarget, write_atomic
from mindie_epcheck.schema.kinds import SCHEMA_KINDS, SchemaKind

EXIT_OK, EXIT_USAGE = 0, 2
WRITE_FAILED = Text(
    "-o {path}: cannot write the schema: {reason}", "-o {path}：无法写入 Schema：{reason}"
)

SCHEMA_HELP = Text(
    "Print the JSON Schema (Draft 2020-12) of MindIE Service's config.json or of an HCCL "
    "rank table, for editors and CI tools. The schema checks key types, ranges and required "
    "keys; validate also checks how values relate.",
    "输出 MindIE Service config.json 或 HCCL rank table 的 JSON Schema（Draft 2020-12），供编辑器"
    "和 CI 工具使用。Schema 检查键的类型、取值范围和必需的键；validate 还会检查各值之间的关系。",
)
KIND_HELP = Text(
    "Which file the schema describes: config (config.json) or ranktable (RANK_TABLE_FILE).",
    "Schema 描述的文件：config（config.json）或 ranktable（RANK_TABLE_FILE 指向的文件）。",
)
OUTPUT_HELP = Text(
    "Write the schema to FILE (replaced as a whole, never left half written) instead of "
    "standard output.",
    "将 Schema 写入该文件（整体替换，不会留下写了一半的文件），而不是输出到标准输出。",
)


def schema_command(lang: Lang) -> click.Command:
    """Build the `schema` command with its help in `lang`."""

    @click.command("schema", help=SCHEMA_HELP.get(lang))
    @click.option(
        "--kind",
        type=click.Choice(SCHEMA_KINDS),
        default="config",
        show_default=True,
        help=KIND_HELP.get(lang),
    )
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        metavar=METAVARS["output"].get(lang),
        help=OUTPUT_HELP.get(lang),
    )
    @click.option(
        "--lang",
        type=click.Choice(["en", "zh"]),
        default=None,
        help=OPTION_HELP["lang"].get(lang),
    )
    def schema(kind: SchemaKind, output: str | None, lang: str | None) -> None:
        sys.exit(write_schema(kind, output, choose_language(lang)))

    return schema


def write_schema(kind: SchemaKind, output: str | None, lang: Lang) -> int:
    """Write the schema of `kind` to `output`, or to standard output, and return the exit code."""
    # Imported here: the generator needs pydantic, which no other command loads.
    from mindie_epcheck.schema.generate import render_schema

    text = render_schema(kind)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK

    def render(stream: TextIO) -> None:
        stream.write(text)

    try:
        write_atomic(OutputTarget("schema", output), render, WRITE_FAILED)
    except OutputError as error:
        print_error(error.text, lang)
        return EXIT_USAGE
    return EXIT_OK
