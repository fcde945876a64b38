"""EP501-EP504: sequence lengths and the output length they leave.

Sources, all MindIE-LLM 3.0:
- src/config_manager/config_manager_impl.cpp: maxPrefillTokens against maxInputTokenLen;
- the service parameter documentation: maxIterTimes <= maxSeqLen, the input limit
  min(maxInputTokenLen, maxSeqLen - 1), the output length
  min(maxSeqLen - inputLen, maxIterTimes).
"""

from __future__ import annotations

from collections.abc import Iterator

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import Text
from mindie_epcheck.model.context import Subject
from mindie_epcheck.model.view import ServiceView
from mindie_epcheck.rules.registry import Hit, rule

# Output limit in tokens below which EP504 warns. It is a judgment, not a MindIE limit:
# model replies cut this short look like a bug to users.
SHORT_OUTPUT_TOKENS = 1024


def _deploy_lengths(view: ServiceView) -> tuple[int | None, int | None]:
    """Return (maxSeqLen, maxInputTokenLen) as typed, None where absent or invalid."""
    if view.deploy is None:
        return None, None
    return view.deploy.max_seq_len, view.deploy.max_input_token_len


# ---------------------------------------------------------------------------------------
# Lengths


@rule(
    "EP501",
    "no-room-for-output",
    Severity.WARNING,
    summary=Text(
        "maxInputTokenLen is not below maxSeqLen, so a full-length prompt leaves no room for "
        "the answer.",
        "maxInputTokenLen 不小于 maxSeqLen，满长度的输入没有留给输出的空间。",
    ),
    rationale=Text(
        "maxSeqLen counts input and output tokens together. MindIE caps the input at "
        "min(maxInputTokenLen, maxSeqLen - 1), so with maxInputTokenLen >= maxSeqLen a prompt "
        "of maximum length gets at most one output token.",
        "maxSeqLen 是输入与输出 token 之和。MindIE 将输入上限取为 min(maxInputTokenLen, maxSeqLen - 1)，"
        "因此 maxInputTokenLen >= maxSeqLen 时，最长的输入最多只能得到一个输出 token。",
    ),
    bad='"maxSeqLen": 32768, "maxInputTokenLen": 32768',
    good='"maxSeqLen": 32768, "maxInputTokenLen": 28672',
    fix=Text(
        "Set maxInputTokenLen to maxSeqLen minus the longest answer you expect.",
        "将 maxInputTokenLen 设为 maxSeqLen 减去预期的最长输出长度。",
    ),
)
def no_room_for_output(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        seq_len, input_len = _deploy_lengths(view)
        if seq_len is None or input_len is None or input_len < seq_len:
            continue
        budget = min(SHORT_OUTPUT_TOKENS, seq_len // 2)
        yield Hit(
            view.pointer("deploy", "maxInputTokenLen"),
            Text(
                "maxInputTokenLen {input_len} >= maxSeqLen {seq_len}: MindIE caps the input at "
                "maxSeqLen - 1 = {cap} tokens, which leaves room for 1 output token",
                "maxInputTokenLen {input_len} >= maxSeqLen {seq_len}：MindIE 将输入上限取为 "
                "maxSeqLen - 1 = {cap}，只剩 1 个输出 token 的空间",
            ).format(input_len=input_len, seq_len=seq_len, cap=seq_len - 1),
            Text(
                "Lower maxInputTokenLen to leave room for the answer, such as {suggestion} "
                "for {budget} output tokens, or raise maxSeqLen.",
                "调小 maxInputTokenLen 为输出留出空间，例如设为 {suggestion} 以留出 {budget} 个输出 "
                "token，或调大 maxSeqLen。",
            ).format(suggestion=seq_len - budget, budget=budget),
            related=(view.pointer("deploy", "maxSeqLen"),),
        )


@rule(
    "EP502",
    "prefill-tokens-below-input",
    Severity.ERROR,
    summary=Text(
        'maxPrefillTokens must not be less than maxInputTokenLen unless templateType is "Mix".',
        'templateType 不为 "Mix" 时，maxPrefillTokens 不能小于 maxInputTokenLen。',
    ),
    rationale=Text(
        "A prefill batch holds at most maxPrefillTokens tokens, so a longest prompt must fit "
        'into one. MindIE fails to start otherwise, with "The value of maxPrefillTokens '
        'should not be less than maxInputTokenLen." The Mix template (SplitFuse) splits '
        "long prompts and is exempt.",
        "一个 prefill batch 最多容纳 maxPrefillTokens 个 token，最长的输入必须能放进一个 batch。"
        '否则 MindIE 报 "The value of maxPrefillTokens should not be less than maxInputTokenLen." '
        "并拒绝启动。Mix 模板（SplitFuse）会切分长输入，不受此限制。",
    ),
    bad='"maxInputTokenLen": 16384 ... "maxPrefillTokens": 8192',
    good='"maxInputTokenLen": 16384 ... "maxPrefillTokens": 16384',
    fix=Text(
        "Raise maxPrefillTokens to at least maxInputTokenLen, or lower maxInputTokenLen.",
        "将 maxPrefillTokens 调大到不小于 maxInputTokenLen，或调小 maxInputTokenLen。",
    ),
)
def prefill_tokens_below_input(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        _, input_len = _deploy_lengths(view)
        schedule = view.schedule
        if schedule is None or input_len is None or schedule.max_prefill_tokens is None:
            continue
        if schedule.template_type == "Mix" or schedule.max_prefill_tokens >= input_len:
            continue
        yield Hit(
            view.pointer("schedule", "maxPrefillTokens"),
            Text(
                "maxPrefillTokens {prefill} is less than maxInputTokenLen {input_len}; MindIE "
                'fails to start with "The value of maxPrefillTokens should not be less than '
                'maxInputTokenLen."',
                "maxPrefillTokens {prefill} 小于 maxInputTokenLen {input_len}；MindIE 会报 "
                '"The value of maxPrefillTokens should not be less than maxInputTokenLen." 并拒绝启动',
            ).format(prefill=schedule.max_prefill_tokens, input_len=input_len),
            Text(
                "Set maxPrefillTokens to {input_len} or more, or lower maxInputTokenLen.",
                "将 maxPrefillTokens 设为不小于 {input_len}，或调小 maxInputTokenLen。",
            ).format(input_len=input_len),
            related=(view.pointer("deploy", "maxInputTokenLen"),),
        )


@rule(
    "EP503",
    "iter-times-above-seq-len",
    Severity.ERROR,
    summary=Text("maxIterTimes must not exceed maxSeqLen.", "maxIterTimes 不能大于 maxSeqLen。"),
    rationale=Text(
        "maxIterTimes is the maximum number of output tokens per request and MindIE accepts "
        "it only in [1, maxSeqLen], because output tokens count towards maxSeqLen.",
        "maxIterTimes 是单个请求的最大输出 token 数，MindIE 只接受 [1, maxSeqLen] 内的值，"
        "因为输出 token 也计入 maxSeqLen。",
    ),
    bad='"maxSeqLen": 2560 ... "maxIterTimes": 4096',
    good='"maxSeqLen": 2560 ... "maxIterTimes": 512',
    fix=Text(
        "Set maxIterTimes to at most maxSeqLen, usually maxSeqLen - maxInputTokenLen or less.",
        "将 maxIterTimes 设为不超过 maxSeqLen，一般不超过 maxSeqLen - maxInputTokenLen。",
    ),
)
def iter_times_above_seq_len(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        seq_len, input_len = _deploy_lengths(view)
        schedule = view.schedule
        iter_times = schedule.max_iter_times if schedule is not None else None
        if seq_len is None or iter_times is None or iter_times <= seq_len:
            continue
        suggestion = (
            seq_len - input_len if input_len is not None and input_len < seq_len else seq_len
        )
        yield Hit(
            view.pointer("schedule", "maxIterTimes"),
            Text(
                "maxIterTimes {iter_times} is greater than maxSeqLen {seq_len}; MindIE accepts "
                "1 to maxSeqLen",
                "maxIterTimes {iter_times} 大于 maxSeqLen {seq_len}；MindIE 只接受 1 到 maxSeqLen",
            ).format(iter_times=iter_times, seq_len=seq_len),
            Text(
                "Set maxIterTimes to {suggestion} or less.",
                "将 maxIterTimes 设为不超过 {suggestion}。",
            ).format(suggestion=suggestion),
            related=(view.pointer("deploy", "maxSeqLen"),),
        )


@rule(
    "EP504",
    "output-capped",
    Severity.WARNING,
    summary=Text(
        "maxIterTimes below 1024 cuts every answer at that many tokens.",
        "maxIterTimes 小于 1024 时，每个回答都会在该 token 数处被截断。",
    ),
    rationale=Text(
        "A request's output length is min(maxSeqLen - input length, maxIterTimes, max_tokens "
        "of the request). A small maxIterTimes therefore cuts answers even for short prompts "
        "that maxSeqLen would allow to continue, and users see answers stop mid-sentence.",
        "请求的输出长度为 min(maxSeqLen - 输入长度, maxIterTimes, 请求中的 max_tokens)。"
        "maxIterTimes 较小时，即使输入很短、maxSeqLen 允许继续生成，回答也会被截断，用户会看到回答在句中中断。",
    ),
    bad='"maxSeqLen": 2560, "maxInputTokenLen": 2048 ... "maxIterTimes": 512',
    good='"maxSeqLen": 4096, "maxInputTokenLen": 2048 ... "maxIterTimes": 2048',
    fix=Text(
        "Raise maxIterTimes to the longest answer you want (at most maxSeqLen), and maxSeqLen "
        "with it if needed.",
        "将 maxIterTimes 调大到需要的最长回答（不超过 maxSeqLen），必要时同时调大 maxSeqLen。",
    ),
)
def output_capped(subject: Subject) -> Iterator[Hit]:
    for view in subject.views:
        seq_len, input_len = _deploy_lengths(view)
        schedule = view.schedule
        iter_times = schedule.max_iter_times if schedule is not None else None
        if seq_len is None or iter_times is None:
            continue
        # From maxSeqLen - 1 up, maxSeqLen limits the output before maxIterTimes does.
        if iter_times >= SHORT_OUTPUT_TOKENS or iter_times >= seq_len - 1:
            continue
        yield Hit(
            view.pointer("schedule", "maxIterTimes"),
            _capped_message(iter_times, seq_len, input_len),
            Text(
                "Raise maxIterTimes to the longest answer you want, such as {suggestion}, and "
                "maxSeqLen with it if needed.",
                "将 maxIterTimes 调大到需要的最长回答长度，例如 {suggestion}，必要时同时调大 maxSeqLen。",
            ).format(suggestion=min(SHORT_OUTPUT_TOKENS * 2, seq_len - 1)),
        )


def _capped_message(iter_times: int, seq_len: int, input_len: int | None) -> Text:
    message = Text(
        "maxIterTimes {iter_times} stops every answer at {iter_times} tokens, even after a "
        "short prompt for which maxSeqLen {seq_len} would allow up to {short} tokens",
        "maxIterTimes {iter_times} 使每个回答最多 {iter_times} 个 token，即使输入很短、"
        "maxSeqLen {seq_len} 允许最多 {short} 个 token",
    ).format(iter_times=iter_times, seq_len=seq_len, short=seq_len - 1)
    if input_len is None or input_len >= seq_len:
        return message
    return message + Text(
        " (maxSeqLen - maxInputTokenLen allows {room} after a full-length prompt)",
        "（满长度输入后 maxSeqLen - maxInputTokenLen 允许 {room} 个）",
    ).format(room=seq_len - input_len)
