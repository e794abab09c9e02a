"""The lint rules, as data: code, kebab name, severity, message template, fix title and docs.

Message and fix templates are ``str.format`` templates filled by the checker (fields named in each rule's
``fields``). ``slmc rule CODE`` prints ``rule_doc``.
"""

from __future__ import annotations

from dataclasses import dataclass

from slmc.errors import Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    category: str  # offload | privacy | reliability | input
    message: str  # template
    fix: str  # fix title template ("help: ...")
    summary: str  # one line, for --list and SARIF shortDescription
    what: str  # what it does
    why: str  # why it matters
    example: str  # Python source that triggers it
    how_to_fix: str
    fields: tuple[str, ...] = ()

    def format_message(self, **values: object) -> str:
        return self.message.format(**values)

    def format_fix(self, **values: object) -> str:
        return self.fix.format(**values)


RULES: tuple[Rule, ...] = (
    Rule(
        code="SLM101",
        name="offloadable-call",
        severity=Severity.INFO,
        category="offload",
        message="Narrow LLM call could be served by a fine-tuned small model (score {score:.2f}: {reasons})",
        fix="Record its traffic with `slmc trace` and compile it with `slmc compile`",
        summary="LLM call whose task is narrow and repetitive enough for a small language model",
        what=(
            "Flags an LLM call site whose static evidence says the task is narrow: short answers, parsed or "
            'checked output, task wording such as "classify", "extract" or "answer yes or no", temperature 0. '
            "Sites with a schema/tools (SLM102) or a closed label set (SLM103) are reported by those rules instead."
        ),
        why=(
            "Narrow, repetitive calls are where a fine-tuned small language model matches the LLM at a fraction of "
            "the cost and latency (Belcak et al., 2025). Each such site is a candidate for `slmc compile`, which "
            "fine-tunes an SLM on the LLM's own answers and keeps the LLM as the fallback."
        ),
        example=(
            "def is_spam(text: str) -> bool:\n"
            "    resp = client.chat.completions.create(\n"
            '        model="gpt-4o-2024-08-06",\n'
            '        messages=[{"role": "user", "content": f"Answer yes or no: is this spam?\\n{text}"}],\n'
            "        temperature=0,\n"
            "        max_tokens=3,\n"
            "    )\n"
            '    return resp.choices[0].message.content.strip().lower() == "yes"'
        ),
        how_to_fix=(
            "Nothing is wrong with the code. Record real traffic (`slmc trace -- python agent.py`), then run "
            "`slmc analyze` and `slmc compile` to serve the site from a small model. If the site must stay on the "
            "LLM, suppress the finding."
        ),
        fields=("score", "reasons", "verdict"),
    ),
    Rule(
        code="SLM102",
        name="structured-output-call",
        severity=Severity.INFO,
        category="offload",
        message="LLM call with structured output ({structure}) is a strong small-model candidate (score {score:.2f})",
        fix="Compile it with `slmc compile`: the schema becomes the small model's output contract",
        summary="Narrow LLM call with a JSON schema, response format or tools: the strongest SLM candidate",
        what=(
            "Flags a narrow LLM call that constrains its answer with a response format, a JSON schema, a pydantic "
            "model or tool definitions."
        ),
        why=(
            "A declared output structure is a contract: a small model fine-tuned on it can be checked at runtime "
            "and falls back to the LLM when its answer does not validate. These sites convert with the least risk."
        ),
        example=(
            "resp = client.chat.completions.create(\n"
            '    model="gpt-4o-2024-08-06",\n'
            '    messages=[{"role": "system", "content": "Extract the order id and product as JSON."},\n'
            '              {"role": "user", "content": ticket}],\n'
            '    response_format={"type": "json_object"},\n'
            "    temperature=0,\n"
            ")\n"
            "fields = json.loads(resp.choices[0].message.content)"
        ),
        how_to_fix=(
            "Record traffic with `slmc trace` and run `slmc compile`; the schema is used to validate the small "
            "model's answers."
        ),
        fields=("structure", "score", "reasons"),
    ),
    Rule(
        code="SLM103",
        name="classification-call",
        severity=Severity.INFO,
        category="offload",
        message="LLM call classifies into a closed set of {count} labels; a small classifier could serve it",
        fix="Compile it with `slmc compile` (a fine-tuned SLM or a classifier head on the label set)",
        summary="Narrow LLM call whose answer is one of a closed label set",
        what=(
            "Flags a narrow LLM call whose answer is checked against a closed set of labels (membership test, "
            "enum, `Literal[...]`) found in the source."
        ),
        why=(
            "Classification into a fixed label set is the easiest task to move off an LLM: a small fine-tuned "
            "model or even a classifier head matches the LLM's labels with high agreement, and the label set "
            "makes every answer checkable."
        ),
        example=(
            'INTENTS = ("refund", "shipping", "billing")\n\n\n'
            "def intent(ticket: str) -> str:\n"
            "    resp = client.chat.completions.create(\n"
            '        model="gpt-4o-mini-2024-07-18",\n'
            '        messages=[{"role": "user", "content": f"Classify the ticket into one of {INTENTS}: {ticket}"}],\n'
            "        temperature=0,\n"
            "        max_tokens=5,\n"
            "    )\n"
            "    label = resp.choices[0].message.content.strip()\n"
            '    return label if label in INTENTS else "other"'
        ),
        how_to_fix=("Record traffic with `slmc trace` and run `slmc compile`."),
        fields=("count", "labels", "score"),
    ),
    Rule(
        code="SLM201",
        name="secret-in-prompt",
        severity=Severity.ERROR,
        category="privacy",
        message="Prompt contains what looks like {kind} (`{preview}`)",
        fix="Remove the secret from the prompt and rotate it",
        summary="API key or access token written literally into a prompt or request option",
        what=(
            "Flags literal prompt text or request options containing an API key or token (OpenAI, Anthropic, "
            "AWS, GitHub, Slack, Google, Hugging Face keys, JSON web tokens)."
        ),
        why=(
            "Everything in a prompt is sent to the model provider, logged by tracing tools and copied into "
            "fine-tuning datasets. A secret there leaks to every one of them."
        ),
        example=(
            "resp = client.chat.completions.create(\n"
            '    model="gpt-4o-2024-08-06",\n'
            '    messages=[{"role": "system", "content": "Call the API with key sk-proj-Abc123...  to look up orders."}],\n'
            ")"
        ),
        how_to_fix=(
            "Keep secrets in the environment or a secret store and pass them to tools, never to the model. "
            "Rotate the leaked key."
        ),
        fields=("kind", "preview"),
    ),
    Rule(
        code="SLM202",
        name="pii-in-prompt",
        severity=Severity.WARNING,
        category="privacy",
        message="Prompt template contains personal data: {kind} (`{preview}`)",
        fix="Replace the personal data with a placeholder or a synthetic example",
        summary="Email address, phone number or payment card number written literally into a prompt template",
        what=(
            "Flags literal text of a prompt template that contains an email address, a phone number or a payment "
            "card number (Luhn-checked). Reserved example domains (example.com, .test, ...) are allowed."
        ),
        why=(
            "Prompt templates are sent on every call and end up in traces and fine-tuning data. Real personal "
            "data in them is processed and stored far beyond its purpose."
        ),
        example=(
            "PROMPT = \"Extract the order id. Example: 'Hi, I'm jane.doe@gmail.com, order AB-12345' -> AB-12345\"\n"
            'resp = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", '
            '"content": PROMPT + ticket}])'
        ),
        how_to_fix="Use placeholders (`<email>`) or reserved example values (`jane@example.com`, `555-0100`).",
        fields=("kind", "preview"),
    ),
    Rule(
        code="SLM203",
        name="unbounded-output",
        severity=Severity.WARNING,
        category="reliability",
        message="Narrow LLM call sets no output limit ({option})",
        fix="Set `{option}` to the longest answer the task needs",
        summary="Narrow LLM call without max_tokens (or the client's equivalent)",
        what=(
            "Flags the request of a narrow call site that does not cap the answer length (`max_tokens`, "
            "`max_completion_tokens`, `max_output_tokens`, `max_new_tokens`, ...)."
        ),
        why=(
            "A narrow task has a short answer. Without a cap a misbehaving model can ramble for thousands of "
            "tokens: slow, costly, and hard to parse. A cap also tells `slmc` how long the small model's answers "
            "need to be."
        ),
        example=(
            "resp = client.chat.completions.create(\n"
            '    model="gpt-4o-2024-08-06",\n'
            '    messages=[{"role": "user", "content": f"Answer yes or no: is this spam? {text}"}],\n'
            "    temperature=0,\n"
            ")"
        ),
        how_to_fix="Pass `max_tokens=` (or the client's option) sized to the longest valid answer.",
        fields=("option",),
    ),
    Rule(
        code="SLM301",
        name="unpinned-model",
        severity=Severity.WARNING,
        category="reliability",
        message="{problem}",
        fix="Pin a dated model version, e.g. `{example}`",
        summary="Model given as a moving alias (no date or version) or from an unchecked variable",
        what=(
            "Flags a request whose model is an alias that the provider moves to new versions (`gpt-4o`, "
            "`claude-3-5-sonnet-latest`) or comes from a variable the source does not pin."
        ),
        why=(
            "A small model is fine-tuned to match the LLM's answers at one point in time. When the alias moves to "
            "a new version, the teacher's behaviour changes under the distilled model and the recorded "
            "agreement no longer holds."
        ),
        example='resp = client.chat.completions.create(model="gpt-4o", messages=msgs)',
        how_to_fix=(
            "Use the dated snapshot (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`) or pin the variable to one "
            "in configuration."
        ),
        fields=("problem", "example", "model"),
    ),
    Rule(
        code="SLM302",
        name="nondeterministic-narrow-call",
        severity=Severity.WARNING,
        category="reliability",
        message="Narrow LLM call samples at temperature={temperature:g}",
        fix="Use `temperature=0` for a narrow task",
        summary="Narrow LLM call with temperature above 0.5",
        what="Flags the request of a narrow call site that samples with `temperature` above 0.5.",
        why=(
            "A narrow task has one right answer. Sampling makes answers vary from call to call, which hurts the "
            "task and makes the LLM a noisy teacher for the small model that should replace it."
        ),
        example=(
            "resp = client.chat.completions.create(\n"
            '    model="gpt-4o-2024-08-06",\n'
            '    messages=[{"role": "user", "content": f"Classify the sentiment as positive or negative: {text}"}],\n'
            "    temperature=0.9,\n"
            "    max_tokens=3,\n"
            ")"
        ),
        how_to_fix="Set `temperature=0` (or at most 0.2).",
        fields=("temperature",),
    ),
    Rule(
        code="SLM303",
        name="unconstrained-json",
        severity=Severity.WARNING,
        category="reliability",
        message="LLM answer is parsed as JSON but the request does not ask for JSON output",
        fix='Pass `response_format={{"type": "json_object"}}` or a JSON schema',
        summary="Answer parsed with json.loads / pydantic while the request sets no structured output",
        what=(
            "Flags a call whose answer is parsed with `json.loads` or validated by pydantic while the request "
            "sets no response format, schema or tools."
        ),
        why=(
            "Without a structured-output mode the model may wrap JSON in prose or code fences, so parsing fails "
            "at random. The schema is also the contract `slmc` uses to validate a small model's answers."
        ),
        example=(
            "resp = client.chat.completions.create(\n"
            '    model="gpt-4o-2024-08-06",\n'
            '    messages=[{"role": "user", "content": "Return the fields as JSON: " + ticket}],\n'
            ")\n"
            "data = json.loads(resp.choices[0].message.content)"
        ),
        how_to_fix="Ask for JSON explicitly with the client's structured-output option.",
    ),
)

# Suppression hygiene (after ruff's RUF100): checked by the lint API over the comments of every linted file.
NOQA_RULES: tuple[Rule, ...] = (
    Rule(
        code="SLM901",
        name="unused-noqa",
        severity=Severity.WARNING,
        category="suppression",
        message="Unused `{form}` directive ({problem})",
        fix="Remove the unused `noqa` comment or codes",
        summary="`# slmc: noqa` (or an slmc code in `# noqa: ...`) that suppresses nothing, or names no rule",
        what=(
            "Flags a `# slmc: noqa` comment that suppresses no finding on the call it is on, and slmc codes named "
            "in `# slmc: noqa: ...` or ruff's `# noqa: ...` that suppress nothing or name no slmc rule. A bare "
            "`# noqa` and codes of other tools (`# noqa: E501`) belong to those tools and are never reported; codes "
            "of rules switched off by select/ignore/per-file-ignores are not reported either."
        ),
        why=(
            "A suppression outlives the finding it was written for: once the call is fixed or moved, a stale "
            "`noqa` silently hides the next real finding on that line. A misspelt code suppresses nothing."
        ),
        example=(
            "resp = client.chat.completions.create(  # slmc: noqa: SLM203\n"
            '    model="gpt-4o-2024-08-06", messages=msgs, max_tokens=5,\n'
            ")"
        ),
        how_to_fix="Remove the comment, or the codes in it that no longer suppress anything.",
        fields=("form", "problem"),
    ),
)

# Frontend problems with the input (never selected away by prefix SLM; ignorable by code).
INPUT_RULES: tuple[Rule, ...] = (
    Rule(
        code="E001",
        name="syntax-error",
        severity=Severity.ERROR,
        category="input",
        message="{message}",
        fix="",
        summary="File could not be parsed as Python",
        what="Reports a file that is not valid Python; it is skipped and the other files are still linted.",
        why="A file that does not parse cannot be analysed.",
        example="def f(:\n    pass",
        how_to_fix="Fix the syntax error.",
    ),
    Rule(
        code="E002",
        name="not-utf8",
        severity=Severity.ERROR,
        category="input",
        message="{message}",
        fix="",
        summary="File is not UTF-8 text",
        what=(
            "Reports a file that cannot be decoded: not UTF-8 without a coding cookie, a coding cookie naming an "
            "unknown codec, or bytes the declared codec cannot decode; it is skipped."
        ),
        why="A file that cannot be read cannot be analysed.",
        example="",
        how_to_fix="Save the file as UTF-8 or exclude it.",
    ),
    Rule(
        code="E003",
        name="file-skipped",
        severity=Severity.ERROR,
        category="input",
        message="{message}",
        fix="",
        summary="File too large or otherwise skipped",
        what=(
            "Reports a path the frontend skipped: too large, unreadable, a symlink loop, a dangling symlink, a FIFO "
            "or other non-regular file, a file symlink pointing out of the project, or a folder symlink to one of "
            "its own parents (folder links are not followed). It is named by its own path; other files are still "
            "linted."
        ),
        why="Skipped files are not analysed.",
        example="",
        how_to_fix="Fix or remove broken links; exclude generated files with `[tool.slmc.lint] exclude`.",
    ),
)

ALL_RULES: tuple[Rule, ...] = RULES + NOQA_RULES + INPUT_RULES
BY_CODE: dict[str, Rule] = {r.code: r for r in ALL_RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in ALL_RULES}


def find_rule(text: str) -> Rule | None:
    """A rule by code (``SLM101``, case-insensitive) or kebab name (``offloadable-call``)."""
    return BY_CODE.get(text.strip().upper()) or BY_NAME.get(text.strip().lower())


def rule_doc(rule: Rule) -> str:
    """The documentation of a rule as Markdown-style text (what ``slmc rule CODE`` prints)."""
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Severity: {rule.severity} · Category: {rule.category}",
        "",
        f"## What it does\n{rule.what}",
        "",
        f"## Why is this bad?\n{rule.why}",
    ]
    if rule.example:
        parts += ["", f"## Example\n```python\n{rule.example}\n```"]
    parts += ["", f"## How to fix\n{rule.how_to_fix}"]
    if rule.category != "input":
        parts += ["", f"Suppress on any line of the call with `# slmc: noqa: {rule.code}` or `# noqa: {rule.code}`."]
    return "\n".join(parts) + "\n"
