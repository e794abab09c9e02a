"""Static triage: score each LLM call site narrow / open-ended / unclear from source evidence only.

Evidence is a list of weighted reasons (log-odds): structured output, tools, closed label sets, prompt wording, output
limits, temperature, streaming and how the answer is consumed. The score is the logistic of the summed weights, so
no evidence gives 0.5 (unclear). A wrapper-call takes the evidence of its own arguments (prompt, labels, consumers)
plus the request its wrapper reaches (options, schema, tools, the wrapper's own prompt text).

Import-light: used by ``slmc lint``.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from slmc.compiler.passmanager import Pass, PassContext
from slmc.guard import Guard
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import ONE_STEP, TOOL_LOOP, EdgeKind, LLMCall, Message, SiteKind, Verdict
from slmc.ir.nodes import Triage as TriageResult
from slmc.ir.unit import CompileUnit
from slmc.lazyre import lazy

NARROW_AT = 0.65  # score >= this: narrow
OPEN_AT = 0.35  # score <= this: open-ended

# Request options that cap the answer length, across client families.
MAX_TOKEN_OPTIONS = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_new_tokens",
    "num_predict",
    "n_predict",
    "max_tokens_to_sample",
    "maxOutputTokens",
)

# One option of a menu: a list item that opens with a quoted or backticked name and a dash or colon before its meaning.
_OPTION_ITEM = r"^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]*([`'\"])[\w .-]{1,30}\1[ \t]*[-:\u2013\u2014][ \t]*(\S[^\n]*)"
_OPTION_MENU = rf"(?m:(?:{_OPTION_ITEM}(?:\n|\Z)){{3}})"

_PERSONA = "helpful assistant"  # the reason of the stock persona line, see ``wording_evidence``

# Reading the prompt as a person does: what the answer is (its output space) and how much of it the input decides.
# Each rule: (pattern, weight, reason). Word-bounded, case-insensitive; read over the prompt's literal text.
_NARROW_WORDING: tuple[tuple[str, float, str], ...] = (
    # a closed answer: labels, choices, yes/no, scores
    (r"classif(?:y|ies|ication)|categori[sz]e|categori[sz]ation", 1.2, "classify"),
    (
        r"(?:exactly\s+|only\s+)?one\s+of(?:\s+the)?\s*(?:following|these|:|\[|\(|\{|(?:below|above|listed|given)\s+\w+)",
        1.1,
        "one of a listed set",
    ),
    (
        r"(?:choose|select|pick)\s+(?:one|the\s+(?:best|most|right|correct|single|appropriate)|from|among|between|which)"
        r"|(?:choose|select|pick|identify)\b[^.\n]{0,60}?\b(?:from|among)\s+(?:a|the|these|this|those)\s+(?:list|options|candidates)"
        r"|(?:remove|filter\s+out|discard)\s+(?:the\s+|any\s+)?irrelevant"
        r"|(?:determine|decide|choose|select|identify|pick)\s+which\b|can\s+only\s+be\s+one\b"
        # the answer names given items by number (``a python list of indices of the selected documents``)
        r"|(?:list|array)\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:indices|indexes|index\s+numbers)\b"
        # ``think about which patch best resolves it; tell me the number of the patch``: one given item, by number
        r"|which\s+(?:one|[a-z]+)\s+(?:(?:is|are)\s+)?(?:best|most\s+[a-z]+)\b[^\n]{0,160}?\b(?:number|index)\s+of\s+the\b",
        1.0,
        "pick among listed items",
    ),
    (
        r"which\s+(?:of\s+the\s+(?:following|listed|given|above|below|provided|available)|one\s+of|option)"
        r"|of\s+the\s+following\s+(?:two|three|four|five|\d+)\s+options"
        r"|[\"'`][A-Z][A-Z_ -]{1,24}[\"'`]\s*(?:,\s*[\"'`][A-Z][A-Z_ -]{1,24}[\"'`]\s*)*,?\s+or\s+[\"'`][A-Z][A-Z_ -]{1,24}[\"'`]"
        # labels in capitals listed with "or": ``category: QUICK, SEARCH, TASK, or AMBIGUOUS``
        r"|(?-i:\b[A-Z][A-Z_]{2,}(?:,\s*[A-Z][A-Z_]{2,}){2,},?\s+or\s+[A-Z][A-Z_]{2,}\b)",
        0.9,
        "which of the following",
    ),
    (
        r"[\"'`]?yes[\"'`]?\s+or\s+[\"'`]?no\b|yes/no|[\"'`]?true[\"'`]?\s+or\s+[\"'`]?false\b|true/false",
        1.1,
        "yes or no",
    ),
    (r"(?:decide|determine|judge|check|assess|tell\s+(?:me|us))\s+(?:whether|if)", 0.8, "decide whether"),
    # the answer's choices listed in brackets after a label (``Choices: [True,False]``, ``Options: [A, B, C]``)
    (r"\b(?:answer\s+)?(?:choices|options)\s*:\s*\[[^\]\n]{1,80}\]", 1.0, "choices listed in brackets"),
    # a flag given as a digit by a condition (``return verdict as 1 if the statement follows ... or 0 if not``)
    (
        r"(?:as|be|is|return|give|output)\s+[\"'`]?1[\"'`]?\s+(?:if|when)\b[^\n]{0,200}?\b(?:or|and|otherwise|else)\s+"
        r"(?:as\s+)?[\"'`]?0[\"'`]?(?:\s+(?:if|when|otherwise)\b|[\s.,;]|$)",
        1.1,
        "a 0/1 flag by a condition",
    ),
    # the given text split into its own units (``break down each sentence into one or more statements``): extraction
    (
        r"(?:break|split|decompose)\s+(?:down\s+)?(?:each|every|the|this|these|all)\s+(?:[\w-]+\s+){0,5}?into\s+"
        r"(?:one\s+or\s+more\s+)?(?:[\w-]+\s+){0,3}?(?:statements|claims|facts|propositions)\b",
        1.0,
        "given text split into statements",
    ),
    # a boolean is often one field beside others (a verdict beside its reasons): weaker than a yes/no answer
    (r"bool(?:ean)?\b", 0.4, "a true/false field"),
    (r"(?:connectivity|connection|health|smoke|sanity|liveness)\s+(?:test|check)", 1.2, "a probe"),
    (
        # (not the labels of a data set the model's code reads: ``train label data``, ``the label column``)
        r"(?<!train\s)(?<!training\s)(?<!validation\s)(?<!val\s)(?<!test\s)(?<!target\s)(?<!ground[- ]truth\s)"
        r"labels?\b(?!\s+(?:data|columns?|values|array|vectors?|encod\w*|distribution|smoothing|leak\w*)\b)"
        r"|labell?ing|(?:the\s+)?sentiment\s+(?:of|label|score|class)"
        r"|(?:classify|detect|determine|identify|recogni[sz]e)\s+(?:the\s+)?(?:user'?s?\s+|their\s+)?(?:sentiment|intent)"
        # an intent named as a thing to label (``Intent:``, ``the intent of the message``), not the person's wish the
        # answer serves (``code for the user based on their intent``)
        r"|(?<!their\s)(?<!your\s)(?<!his\s)(?<!her\s)(?<!user's\s)(?<!users'\s)intent\b"
        r"|rout(?:e|ing)\s+(?:the|this|to)",
        0.8,
        "label",
    ),
    (
        r"(?:score|rate|rating|grade)s?\b[^.\n]{0,60}?\b\d+\s*(?:-|to|–|and|/)\s*\d+|on\s+(?:a|the)\s+scale|\d+\s*-\s*point\s+scale",
        1.4,
        "score on a scale",
    ),
    (
        r"(?:rank|ranking|prefer(?:red|ence)|head[- ]to[- ]head|pairwise)\b|prioriti[sz]e\s+(?:the|these|this)\b"
        r"|re-?order\s+(?:the|these)\b|sort(?:ed)?\s+(?:\w+\s+){0,3}?from\s+(?:highest|lowest|most|least)\b",
        0.7,
        "rank or compare given answers",
    ),
    (
        r"(?:respond|reply|return)\s+(?:with\s+)?(?:only|just)\b"
        # ``answer`` / ``output`` as the verb (``Answer only with ...``, ``you should output only``), not the noun of
        # ``Respond with a concise answer only``, which asks for nothing beside the answer, however open it is
        r"|(?<![a-z]\s)(?:answer|output)\s+(?:with\s+)?(?:only|just)\b"
        r"|\b(?:should|must|will|shall|can|please|and|to|you|then)\s+(?:answer|output)\s+(?:with\s+)?(?:only|just)\b"
        r"|only\s+(?:output|return|respond|the\s+(?:label|name|number|category|word|answer))"
        # ``Only give me the final choices.``: a multiple-choice answer, the picked option(s) alone
        r"|\bonly\s+(?:give|tell|provide)\s+(?:me\s+|us\s+)?(?:the\s+)?(?:final\s+|correct\s+)?"
        r"(?:choices?|options?|letters?)\b",
        0.9,
        "answer with only",
    ),
    (  # the same said through a prohibition: ``Do not reply with anything else but the command``
        r"(?:do\s+not|don'?t|never)\s+(?:reply|respond|answer|output|return|say|write|include|add)\s+(?:with\s+)?"
        r"anything\s+(?:else\s+)?(?:but|except|other\s+than|besides)\b"
        # ``and nothing else`` after a format (``a valid YAML, and nothing else``) says only that no prose goes around it
        r"|(?<!yaml,\s)(?<!json,\s)(?<!xml,\s)(?<!yaml\s)(?<!json\s)(?<!xml\s)\band\s+nothing\s+else\b"
        # (``respond with the rewritten question, nothing else``: the same said after a comma)
        r"|(?<!yaml,\s)(?<!json,\s)(?<!xml,\s)(?<=,\s)nothing\s+else\b"
        # ``do not include any additional text``, ``Do not reply any other content``: nothing beside the answer
        r"|(?:do\s+not|don'?t|never)\s+(?:reply|respond|answer|output|return|say|write|include|add|provide|give|print)"
        r"\s+(?:with\s+)?(?:any\s+)?(?:additional|extra|other|further|more)\s+(?:text|content|words|commentary"
        r"|comments?|explanations?|notes?|remarks?|prose)\b"
        # ... unless what is left is just "the answer", which says nothing of how closed it is
        r"(?!\s+(?:other\s+than|except|besides|beyond|apart\s+from|but)\s+(?:the\s+|your\s+)?(?:final\s+)?"
        r"(?:answer|response|reply|output|result)\b)"
        # ``the final answer only, without any accompanying reasoning or explanation``: nothing beside the answer
        r"|\bwithout\s+(?:any\s+)?(?:accompanying\s+|additional\s+|further\s+|extra\s+)?"
        r"(?:reasoning|explanations?|commentary|justifications?|preamble)\b",
        0.9,
        "answer with only",
    ),
    (
        r"single\s+(?:word|label|number|token|line|sentence)|one\s+(?:word|line|sentence)\b"
        r"|(?:in|as)\s+(?:a|one)\s+(?:full\s+|single\s+|short\s+|complete\s+)?sentence\b",
        0.9,
        "one-line answer",
    ),
    (
        r"(?:very|extremely)\s+(?:short|brief)\b|(?:a|one)\s+(?:very\s+)?(?:short|brief)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:response|answer|reply|note)\b",
        0.7,
        "a short answer",
    ),
    (
        r"(?:return|answer|output|give|reply|respond)\s+(?:with\s+)?(?:a|an|one|the)\s+(?:single\s+)?"
        r"(?:number|integer|digit|score|word|letter|label|emoji|index|name|date|time)\b"
        r"|(?:answer|output|response|reply)\s+(?:should|must|will)\s+be\s+(?:a|an|one)\s+(?:single\s+)?"
        r"(?:number|integer|digit|word|letter|label|name|date)\b|as\s+few\s+words\s+as\s+possible"
        # ``return the final numerical answer``: the answer is a number
        r"|(?:numerical|numeric)\s+(?:answer|value|result)\b",
        0.9,
        "a short closed answer",
    ),
    # the answer is taken from the input: extraction, reformatting, translation, queries, tool arguments
    (
        # (not ``the provided numbered extracts``: passages handed in, as excerpts are)
        r"extract(?:ion|ed)?\b|(?<!the\s)(?<!these\s)(?<!following\s)(?<!numbered\s)(?<!provided\s)(?<!given\s)"
        r"(?<!relevant\s)(?<!text\s)(?<!document\s)extracts\b|pull\s+out|identify\s+(?:all\s+)?the\s+\w+\s+(?:in|from)"
        r"|(?:gather|collect|find)\s+(?:the\s+|all\s+)?(?:\w+\s+)?(?:information|details|facts)\s+from\s+"
        r"(?:this|the|these|each)\s+(?:\w+\s+)?(?:text|document|passage|page|chunk|content)",
        1.2,
        "extract",
    ),
    (
        r"pars(?:e|ing)\b|normali[sz]e|reformat|re-format|fix\s+(?:the|this)\s+json|valid\s+json"
        # ``Please format the result to a strict JSON format``: given text put into a named format
        r"|format\s+(?:the|this|these|that|it|them)\b[^.\n]{0,40}?\b(?:to|into|as)\s+(?:an?\s+|the\s+)?"
        r"(?:strict\s+|valid\s+|proper\s+|well-formed\s+)?(?:json|yaml|xml|csv|markdown\s+table)\b",
        0.8,
        "reformat",
    ),
    (  # a re-ask after an answer that failed its format: the same answer again, repaired (``Please resubmit with the
        # correct schema``, ``Your previous attempt to make a tool call appears to have failed``)
        r"(?:re-?submit|re-?send|send\s+it\s+again|redo|retry|try\s+again|"
        r"correct\s+(?:it|this|your\s+(?:\w+\s+)?(?:answer|response|reply|output|call)))"
        r"\b[^.\n]{0,40}?\b(?:correct|right|required|expected|valid|proper)\s+(?:json\s+)?(?:schema|format|json|syntax|structure)\b"
        # the shape it broke is named before the failure (a failed attempt at the work itself is no format repair)
        r"|(?:previous|last|prior)\s+(?:attempt|response|answer|reply|output)\b[^.\n]{0,60}?\b(?:tool|function|json|"
        r"schema|format)\b[^.\n]{0,40}?\b(?:failed|was\s+(?:invalid|malformed)|could\s+not\s+be\s+parsed"
        r"|did\s+not\s+(?:parse|match|conform))",
        0.9,
        "re-ask to repair a failed answer",
    ),
    (
        r"(?:convert|turn(?!\s+out\b)|transform|map)\s+(?:the\s+|this\s+|these\s+|an?\s+|each\s+)?(?:[\w'-]+\s+){0,3}?(?:in)?to\b"
        r"|convert\s+(?:the|this|it|them)\b|rewrite\s+(?:the|this|it)\b|rephrase|paraphrase|clean\s+up"
        # the rewrite named as what is asked (``come up with a rewrite of the question``)
        r"|\b(?:a|the)\s+(?:[\w-]+\s+)?rewrite\s+of\s+(?:the|this|these|that|each)\b"
        r"|(?:revise|edit|correct)\s+(?:the|this|these)\s+(?:given|provided|following|above|below|input)\b"
        r"|(?:re-?)?(?:organi[sz]e|structure|arrange)\s+(?:the\s+|this\s+|these\s+)?[^.\n]{0,60}?\binto\s+(?:the\s+|a\s+)?"
        r"(?:format|structure|outline|sections?|template)\b",
        0.8,
        "rewrite",
    ),
    (
        r"(?:respond|reply|answer|output|return|say)\s+(?:with\s+)?(?:only\s+|exactly\s+)?[\"'`][^\"'`\n]{1,30}[\"'`]"
        r"|(?:reply|respond|answer)\s+with\s+exactly\s+one"
        # ``Output: "Done. Nothing to change."``: the answer itself given after a colon, a sentence at most
        r"|(?:respond|reply|answer|output|say)\s*:[ \t]*[\"'][^\"'`\n{}\[\]<>]{1,50}[\"'][ \t]*(?=\n|\Z)"
        # ``Reply with exactly: pong ok``: the words to say back follow the colon, unquoted, to the end of the line
        r"|(?:respond|reply|answer|say)\s+(?:with\s+)?exactly\s*:[ \t]*[^\s{}\[\]<>][^\n{}\[\]<>]{0,59}?[ \t]*(?=\n|\Z)"
        # reasoning first, then ``conclude in the last line "The best choice is {s}"``: the answer read is that line
        r"|(?:conclude|end|finish)\s+(?:[\w-]+\s+){0,2}?(?:in|with|on)\s+(?:the|a|your)\s+(?:last|final)\s+line\s*:?\s*[\"'`]",
        1.1,
        "a fixed literal answer",
    ),
    (  # from one language to another; "translate the request to a detailed description" is a figure of speech
        r"translat(?:e|ion)(?!\s+(?:(?:it|this|that|them|these)|(?:the|your|a|an)\s+[^.\n]{0,60}?)\s+(?:in)?to\s+(?:a|an)\s)",
        0.9,
        "translate",
    ),
    (
        r"(?:preserv(?:e|es|ing)|keeps?|retain(?:s|ing)?)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:most\s+)?"
        r"(?:relevant\s+|original\s+|important\s+|key\s+|essential\s+)?"
        r"(?:information|statements|details|facts|content|wording)|verbatim|word[- ]for[- ]word"
        r"|do\s+not\s+(?:add|invent|make\s+up|remove\s+or\s+modify|drop)\b"
        r"|(?:do\s+not|don'?t|never|without)\s+(?:chang|alter|modify|modifi)(?:e|es|ing)?\s+(?:the\s+)?(?:meaning|substance|wording)\b|(?:do\s+not|don'?t|never|without)\s+omit(?:ting)?\b"
        r"|in\s+the\s+same\s+(?:format|structure)\s+as\b|(?:delet|remov)(?:e|es|ing)\s+(?:the\s+|any\s+|all\s+)?"
        r"(?:repeated|repetitive|duplicated?|redundant)\b"
        r"|(?:keep|preserve|retain)s?\s+(?:the\s+|all\s+)?(?:[\w-]+\s+)?(?:citations|structure|formatting|meaning)\b"
        # ``identical to the original command line, but with ...``: the answer is the given one, changed a little
        r"|identical\s+to\s+the\s+(?:original|given|input|provided)\b"
        r"|while\s+(?:maintaining|keeping|preserving)\s+(?:all\s+)?(?:the\s+)?(?:other\s+)?original\b",
        0.9,
        "output taken from the input",
    ),
    (
        r"search\s+quer(?:y|ies)|(?:generate|write|create|produce)\s+(?:\w+\s+){0,3}quer(?:y|ies)|keywords?\b|sql\s+query"
        # the searches themselves as the answer (``come up with a set of web searches``, ``output 5 search terms``)
        r"|(?:output|produce|generate|list|come\s+up\s+with|suggest|propose)\s+(?:[\w-]+\s+){0,5}?(?:web\s+)?"
        r"search(?:es\b|\s+terms?\b)",
        1.2,
        "query generation",
    ),
    (
        r"fill\s+in\s+the\s+(?:arguments|parameters|fields)|function\s+arguments"
        # the input names the tool to call: only its arguments are left to fill
        r"|(?:call|invoke)\s+the\s+(?:corresponding|specified|requested|named|given|selected)\s+(?:function|tool)",
        0.8,
        "argument filling",
    ),
    # the answer's whole format given inline as one short line (``in the format: City: Temperature``)
    (r"in\s+the\s+(?:following\s+)?format\s*:[ \t]*[^\n]{1,40}(?=\n|\Z)", 0.8, "a one-line answer format"),
    # a rule table: three or more listed conditions, each with the answer it gives (``- If X is below 10: say Y``)
    (
        r"(?m:(?:^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]*(?:if|when)\b[^:\n]{3,80}:[ \t]*\S[^\n]*(?:\n|\Z)){3})",
        1.0,
        "answer decided by listed rules",
    ),
    # the labels themselves listed, each with the condition that picks it (``- "PASS" if it meets the criteria`` /
    # ``- "FAIL: [reason]" if it does not``): a closed label set, a short reason at most after the label
    (
        r"(?m:(?:^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]*[\"'`][A-Za-z][\w -]{0,24}(?::[ \t]*[^\"'`\n]{0,40})?[\"'`][ \t]*"
        r"(?:[-:\u2013\u2014][ \t]*)?(?:if|when)\b[^\n]*(?:\n|\Z)){2})",
        1.1,
        "listed labels, each with its condition",
    ),
    # a menu: three or more quoted option names listed one a line, each with what it means (``- `run` - Run it``)
    (_OPTION_MENU, 0.6, "a menu of listed options"),
    # a summary of given text, especially with a fixed outline
    (
        r"summari[sz](?:e|es|ing)\s+(?:(?:the|this|these|those|all|a|an|each|your|its|their)\s+(?:[\w-]+\s+)?)?"
        r"(?:following|given|above|provided|below|text|paper|"
        r"article|document|content|conversation|chat|dialog\w*|page|webpage|results?|chunks?|code|file|readme|transcript|"
        r"history|rounds?|runs?|sessions?|episodes?|messages?|context|notes|email|thread|trajectory|log|memories"
        r"|observations|statements|events"
        r"|entries|records|descriptions|reviews|comments|feedback|findings|discussion|meeting"
        # a call or an interview held (``summarize the support call``): its record is the given text
        r"|(?:phone\s+|support\s+|sales\s+|voice\s+|video\s+)?calls?|interviews?)\b"
        r"|summary\s+of\s+(?:the\s+|this\s+)?(?:following|given|above|provided|text|paper|article|document|conversation)"
        r"|(?:create|write|produce|give|provide|make|add|generate|creating|writing|producing|making|generating)\s+"
        r"(?:a|an|the)\s+(?:\w+\s+){0,2}"
        # (not ``a summary of your findings``: what the model itself found out, no text given to it)
        r"summary\s+(?:of|based\s+on)\b(?!\s+(?:your|its)\s+(?:own\s+)?(?:findings|research|investigation)\b)"
        # ``Create an initial summary capturing: 1. ... 2. ...``: a summary with its outline
        r"|(?:create|write|produce|generate|creating|writing|producing|generating)\s+(?:a|an|the)\s+(?:\w+\s+){0,2}"
        r"summary\s+(?:capturing|covering|describing|recording)\b"
        # ``Write a detailed summary that captures what happened in these messages``
        r"|(?:create|write|produce|generate)\s+(?:a|an|the)\s+(?:\w+\s+){0,2}summary\s+(?:that|which)\s+"
        r"(?:captures?|covers?|describes?|records?)\b"
        # ``Write a pull request description that reflects all changes in this pull request``: a description of what
        # the input holds is its summary (a product description invented from a brief is not)
        r"|(?:create|write|produce|generate|provide|give)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?description\s+"
        r"(?:that|which)\s+(?:accurately\s+)?(?:reflects?|captures?|covers?|describes?|summari[sz]es?)\s+"
        r"(?:(?:all|each|every|the|these|this|those)\s+){1,2}(?:[\w-]+\s+)?(?:changes|edits|modifications|diffs?"
        r"|commits?|given|provided|following|above|below|input|content|text|code)\b"
        # (not ``Key points to focus on:`` heading the writer's own brief)
        r"|(?:key|main|most\s+important)\s+points\b(?!\s+to\s+(?:focus\s+on|consider|keep\s+in\s+mind|address|cover|emphasi[sz]e|remember)\b)"
        r"|condense|compress(?:ion)?\b|tl;?dr"
        # ``organize these answers to each subtask and form a final answer``: answers already given, combined
        r"|(?:organi[sz]e|combine|merge|consolidate|aggregate)\s+(?:all\s+)?(?:of\s+)?"
        r"(?:the|these|those|this)\s+(?:[\w-]+\s+){0,2}?(?:answers|results|responses|outputs|replies|findings)\b"
        r"(?![^.\n]{0,40}?\binto\s+(?:an?\s+)?(?:[\w,-]+\s+){0,3}?(?:report|article|essay|document|story|post|chapter)s?\b)"
        r"|(?:given|based\s+on)\s+the\s+(?:\w+\s+){0,2}(?:above|below)[^.\n]{0,80}?\b(?:summari[sz]e|remember|list|which|what\b(?![^.?\n]{0,60}\bsay\b))",
        1.0,
        "summary of given text",
    ),
    # what a change record is: a commit message, a pull request's description, a changelog entry sum up the diff given
    (
        r"commit\s+(?:message|title|summary)s?\b|(?:pull|merge)\s+request\s+(?:description|title|summary)\b"
        r"|\bpr\s+(?:description|title|summary)\b|change\s*log\s+entr(?:y|ies)\b|release\s+notes\b",
        1.0,
        "summary of given text",
    ),
    (r"summari[sz]e|summary\b", 0.3, "summary"),
    (
        r"you\s+are\s+an?\s+(?:\w+\s+){0,2}(?:tool|parser|classifier|extractor|filter|grader|judge|router|tagger)\b"
        r"(?!\s+(?:that|which|to)\s+(?:generates?|writes?|creates?|produces?|builds?|implements?)\b)",
        0.9,
        "acts as a tool",
    ),
    (
        r"\d+(?:\s*[-–]\s*\d+)?\s+(?:[\w-]+\s+){0,2}?(?:sentences|words|bullets|points|items)\b"
        r"|at\s+most\s+\d+|(?:a\s+)?maximum\s+of\s+\d+|(?:no|not)\s+(?:more|longer)\s+than\s+\d+"
        # ``max 50 characters``, ``a 2-5 word title``
        r"|\bmax(?:imum)?\.?\s+\d+\s+(?:characters|chars|words|tokens|sentences|lines)\b"
        r"|\b\d+\s*[-–]\s*\d+\s+word\s+(?:[\w-]+\s+)?(?:title|name|label|phrase|summary|answer)\b",
        0.5,
        "bounded length",
    ),
    # the title or name of a conversation handed in (``a succinct name (3-6 words) for this conversation``,
    # ``titles for conversations``): a label of the given text, as a summary's heading is
    (
        r"(?:titles?|names?|headings?|subject\s+lines?)\s+(?:\([^()\n]{0,40}\)\s+)?(?:for|of)\s+"
        r"(?:(?:this|the|a|an|each|given|following|user'?s?|current)\s+){0,2}(?:[\w-]+\s+){0,2}?"
        r"(?:conversations?|chats?|chat\s+threads?|discussions?|dialog(?:ue)?s?|chat\s+sessions?)\b"
        r"|(?:conversation|chat)\s+(?:titles?|names?)\b",
        1.0,
        "title of the given conversation",
    ),
)
_OPEN_WORDING: tuple[tuple[str, float, str], ...] = (
    # new content: code, documents, stories
    (
        r"(?:writing|generating|implementing|fixing|improving|continuing|write|generate|create|produce|implement|complete|"
        # (a name in the words between may end in ``!``: ``write a Hello World! program``)
        r"fix|improve|rewrite|modify|edit|continue)(?:s)?(?:/\w+)?\s+(?:[\w,'/-]+!?\s+){0,4}?"
        r"(?:code|codes|program|programs|script|function|class|module|implementation|game|app|application|software|"
        r"(?:code|source|python|script|program)\s+files?|unit\s+tests?|test\s+cases?|"
        # ``code style`` / ``code quality``: a property of code named (``suggestions that improve code style``), no code
        r"(?:complete|reproduction|reproducing|regression|failing)\s+tests?)\b"
        r"(?!\s+(?:block|style|quality|readability|smells?|conventions?|formatting|standards?)\b)"
        r"|code\s+agent|(?:coding|programming)\s+experience|programmer\b"
        # the whole program handed back (``Return full updated code without placeholders``): code rewritten in full
        r"|(?:return|output|give|provide|respond\s+with)\s+(?:the\s+|a\s+)?(?:full|complete|entire|whole)\s+"
        r"(?:(?:updated|fixed|corrected|revised|modified|new|final)\s+)?(?:code|program|script|source)\b"
        r"(?!\s+(?:review|style|quality|readability)\b)",
        -1.6,
        "writes code",
    ),
    (  # edits that repair a reported problem (``generate *SEARCH/REPLACE* edits to fix the issue``); naming the files
        # or places that would need editing (``list the files one would edit to fix the problem``) is not this
        r"(?:generate|write|produce|propose|make|create|output)\s+(?:[\w`*/,'-]+\s+){0,4}?"
        r"(?:edits?|patch(?:es)?|diffs?|changes|commands?|blocks)\s+(?:to|that|which)\s+(?:\w+\s+)?"
        r"(?:fix|resolve|repair|address)(?:es)?\s+(?:the|this|that|each)\s+(?:[\w-]+\s+)?(?:issue|bug|problem|error|failure)s?\b"
        # ``Write a patch for the issue``: the repair named by what it is for
        r"|(?:generate|write|produce|propose|create)\s+(?:a|an|the|your)\s+(?:[\w-]+\s+)?(?:patch|fix|diff)(?:es)?\s+"
        r"(?:for|to)\s+(?:the|this|that|each)\s+(?:[\w-]+\s+)?(?:issue|bug|problem|error|failure)s?\b",
        -1.6,
        "repairs code",
    ),
    (  # a project's files in full, one block each (``output the content of each file necessary, including ALL code``)
        r"(?:output|write|return|provide|give)\s+(?:out\s+)?(?:the\s+)?(?:full\s+|complete\s+|entire\s+|whole\s+)?"
        r"(?:content|contents|code|source)\s+of\s+(?:each|every|all)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?files?\b",
        -1.4,
        "writes whole files",
    ),
    (
        # (enhancing or elaborating a given report adds new content to it: ``enhance this report with examples``)
        r"(?:write|(?<!the\s)(?<!your\s)(?<!this\s)(?<!a\s)draft|compose|generate|create|produce|expand(?:ing)?|polish(?:ing)?"
        r"|enhanc(?:e|ing)|enrich(?:ing)?|elaborat(?:e|ing)(?:\s+on)?)"
        # what is made is a summary (``Generate the summary with each section``): the sections are the summary's
        r"(?!\s+(?:(?:a|an|the|your|this)\s+)?(?:[\w-]+\s+)?(?:summary|summaries|recap)\b)"
        # or one sentence long (``Create a short one sentence description``): a label of the input, no document
        r"(?!\s+(?:(?:a|an)\s+)?(?:short\s+|brief\s+)?(?:one|single|1)[\s-]sentence\b)"
        # or a change record (a pull request's description sums up its diff)
        r"(?!\s+(?:(?:a|an|the|your)\s+)?(?:(?:pull|merge)\s+request|pr|commit)\s+description)"
        # or a description of what the given input holds (see "summary of given text")
        r"(?!\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?description\s+(?:that|which)\s+(?:accurately\s+)?"
        r"(?:reflects?|captures?|covers?|describes?|summari[sz]es?)\s+"
        r"(?:(?:all|each|every|the|these|this|those)\s+){1,2}(?:[\w-]+\s+)?(?:changes|edits|modifications|diffs?"
        r"|commits?|given|provided|following|above|below|input|content|text|code)\b)"
        r"\s+(?:[\w,'-]+\s+){0,4}?"
        r"(?:report|article|essay|blog|story|stories|poem|chapter|novel|draft|conclusion|introduction|abstract|"
        r"document(?:ation)?|prd|trd|design|specification|proposal|section|post|letter|email|speech|content|cop(?:y|ies)|"
        r"description|readme)s?\b",
        -1.4,
        "writes a document",
    ),
    (r"(?:provide|output|give)\s+(?:an?|the)\s+(?:\w+\s+){0,2}draft\b", -1.0, "writes a draft"),
    (
        r"(?:must|should|will|is\s+to)\s+be\s+(?:a|an)\s+(?!(?:valid\s+|well-formed\s+|single\s+)*(?:json|yaml|xml|html|csv)\b)"
        r"(?:[\w,'-]+\s+){0,4}?(?:report|article|essay|story|chapter|document|"
        r"proposal|recommendation|itinerary|blog\s+post)s?\b"
        r"|(?:^|\n|(?<=:)\s*)(?:a|an)\s+(?:[\w,'-]+\s+){0,3}?(?:report|article|essay|story|chapter|document)\s+(?:that|which|with|on|about|of)\b",
        -1.2,
        "the answer is a document",
    ),
    (
        # ``concise but comprehensive``: the length asked is short, leaving nothing out of what is given
        r"(?<!concise\sbut\s)(?<!concise\syet\s)(?<!concise\sand\s)(?<!brief\sbut\s)(?<!brief\syet\s)(?<!short\sbut\s)"
        r"(?:comprehensive|in-depth|in\s+detail|detailed|thorough|long-form|elaborate|exhaustive|well-structured)\b"
        r"(?!\s+(?:\w+\s+)?(?:summary|summaries|recap|overview|captions?)\b)",  # a detailed summary is still a summary
        -0.7,
        "detailed content",
    ),
    (
        r"stor(?:y|ies)|poem|haikus?\b|limericks?\b|sonnets?\b|essay|blog|creative|imaginative|vivid(?:ly)?|novel\b|brainstorm"
        r"|come\s+up\s+with\s+(?:\w+\s+){0,2}(?:ideas?|names?|stor(?:y|ies)|slogans?|jokes?|titles?)",
        -0.9,
        "creative writing",
    ),
    (
        r"(?:hypothetical|fictional|fictitious|made-up|imaginary)\s+(?:\w+\s+)?"
        r"(?:answers?|documents?|passages?|responses?|stor(?:y|ies)|scenarios?|dialogues?)\b",
        -1.2,
        "invented content",
    ),
    (
        # (``one or two paragraphs`` / ``1-2 paragraphs`` caps the answer at two: a short text, not several)
        r"(?:a\s+few|several|multiple|(?<!one or )two|three|four|five|(?!1\s*[-–]\s*2\b)\d+(?:\s*[-–]\s*\d+)?)"
        r"\s+paragraphs|in\s+paragraphs",
        -0.8,
        "several paragraphs",
    ),
    (
        r"(?<!the\s)(?<!your\s)(?<!this\s)(?<!a\s)draft\b|compose\b"
        r"|write\b(?!\s+(?:down|(?:the|your)\s+(?:response|answer|reply)))",
        -0.4,
        "write",
    ),
    # open reasoning: agent steps over open tool sets, free conversation, free planning
    (
        r"you\s+(?:have|has|will\s+have)\s+access\s+to\s+(?:the\s+following\s+|these\s+|a\s+set\s+of\s+)?(?:tools|functions)"
        r"|\bthought:(?=[\s\S]*\b(?:action|observation|final\s+answer)\s*:)|\bobservation:|final_answer"
        r"|solve\s+(?:the|this|any)\s+task|(?:use|call)\s+(?:the\s+|these\s+|your\s+)?tools\b"
        r"|(?:use|call)\s+(?:any\s+of\s+)?(?:the\s+)?available\s+(?:tools|commands|functions)"
        # an agent told to spawn agents of its own and hand them parts of the work
        r"|\b(?:create|spawn|launch|start)\s+(?:\w+\s+){0,2}?sub-?agents?\b",
        -1.2,
        "agent step over tools",
    ),
    (
        # ``reply to the user`` as an order, not the noun a sentence describing the system names (``the guideline
        # takes part in generating the next reply to the user``: the conversation is what is judged)
        r"(?:chat(?:ting)?|convers(?:e|ing)|talk(?:ing)?)\s+(?:[\w-]+\s+)?with|conversation\s+with\s+the\s+user|(?<!\bthe\s)(?<!\bnext\s)(?<!\ba\s)(?<!\bits\s)(?<!\btheir\s)(?:reply|respond)\s+to\s+the\s+(?:customer|user)|friendly\s+(?:reply|tone)|(?:you\s+are|act\s+as)\s+an?\s+(?:\w+\s+)?chat\s*bot"
        r"|(?:what|how)\s+(?:should|would|will|might)\s+[^.?\n]{1,40}?\s+(?:say|reply|respond)\b|next\s+in\s+the\s+conversation"
        # a line opening on a greeting that introduces its speaker (``Hi, my name is Ada.``): small talk, a chat turn
        r"|(?m:^)[ \t]*(?:hi|hello|hey)(?:\s+there)?[,!.]?\s+(?:my\s+name\s+is|i\s+am|i'm)\b",
        -1.0,
        "conversation",
    ),
    (r"helpful\s+assistant", -0.4, _PERSONA),
    (
        r"(?:(?<=^)|(?<=[.:;!\n]\s)|(?<=\byou\s)|(?<=\bto\s))(?:research|investigate|browse)\s+(?:and|the|for|on|about)\b"
        # a sentence opening with the order (``Research these tasks thoroughly with sources``, ``Investigate all the
        # providers in the area``): the model finds what it reports, nothing given holds it
        r"|(?:(?<=^)|(?<=[.:;!\n]))[ \t]*(?:please\s+)?(?:research|investigate)\s+(?:(?:these|this|those|all|each|every|any)\b"
        r"|(?:[^\s.]+\s+){0,3}?(?:thoroughly|in[- ]depth|extensively|with\s+(?:sources|citations))\b)"
        r"|search\s+the\s+(?:web|internet)"
        r"|(?:(?<=^)|(?<=[.:;!,\n]\s)|(?<=\n)|(?<=please\s)|(?<=\byou\s))conduct\s+(?:[\w-]+\s+){0,2}(?:research|searches)\b"
        r"|gather\s+(?:\w+\s+)?information(?!\s+from\s+(?:this|the|these|each)\s+(?:\w+\s+)?(?:text|document|passage|page|chunk|content))"
        r"|utili[sz]e\s+(?:the\s+)?(?:internet|web|tools|search)",
        -0.8,
        "open research with tools",
    ),
    (
        r"\bplan\s+(?:for\s+)?(?:today|tomorrow|the\s+day|the\s+week)\b|(?:daily|weekly)\s+(?:plan|schedule|agenda)\b"
        r"|broad[- ]strokes",
        -0.8,
        "free-form planning",
    ),
    (
        r"itinerary|strateg(?:y|ies)\b|recommend(?:ation)?s?\b|teach\b(?!ing)"
        # ``explain how the functionality of the code has changed``: a description of the given change, no advice
        r"|explain\s+(?:how|why|what|the\s+concept)(?![^.\n]{0,60}?\b(?:has|have|had|was|were)\s+(?:been\s+)?changed\b)"
        r"|descriptive\s+(?:response|answer|reply)|tell\s+(?:me|us)\s+(?:more|something)\b"
        r"|how\s+(?:can|could|should|would|do|to)\s+(?:we\s+|i\s+|you\s+)?(?:implement|fix|solve|approach|build)\b"
        # the cause of a problem or what given code does, worked out in the answer
        r"|(?:analy[sz]e|investigate|diagnose|explain|find)\s+(?:the\s+)?(?:root\s+)?causes?\s+of\b|root[- ]cause\s+analysis"
        r"|analy[sz]e\s+how\s+to\b|what\s+does\s+(?:this|the|that)\s+(?:[\w-]+\s+){0,4}?do\b",
        -0.7,
        "advice or explanation",
    ),
)
# A judgement call: reviews with a verdict, self-reflection, plans in a fixed schema, grounded QA. Pulls to unclear.
_UNCLEAR_WORDING: tuple[tuple[str, str], ...] = (
    (
        r"(?:review|critique)\b[^.\n]{0,80}?\b(?:whether|pass|fail|approve|reject|lgtm|verdict|succe\w+)"
        # a bare verdict given as a digit (``return verdict as 1 if ... or 0``) is a score of a fact, not a review
        r"|critique|critic\b|verdict(?![^.\n]{0,12}?\b[01]\b)|pass/fail|pass\s+or\s+fail|approve\s+or\s+reject"
        # a judgement of work someone wrote: ``decide whether the created patch resolves the issue``
        r"|(?:decide|determine|judge|assess|check|evaluate|think\s+about)\s+(?:\(\d\)\s+)?whether\s+(?:the\s+|this\s+|your\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:patch|fix|code|test|solution|implementation|change)s?\s+(?:correctly\s+)?"
        r"(?:resolves?|fix(?:es)?|solves?|reproduces?|passes|works?|is\s+correct)\b",
        "review with a verdict",
    ),
    (
        r"reflection|reflect\s+(?:on|upon)\b|self-?reflect|lessons?\s+learn|what\s+went\s+wrong",
        "self-reflection",
    ),
    (
        # sub-tasks the answer lists (``break it into subtasks``), not one the input mentions (``a failed subtask``)
        r"decompose|(?:into|list\s+of|next|generate|create|output|produce|propose)\s+(?:[\w-]+\s+){0,2}?sub-?(?:tasks?|goals?)\b"
        r"|(?:next|list\s+of)\s+(?:tasks?|steps?|actions?)\b|step-by-step\s+plan|plan\b",
        "planning",
    ),
    (
        r"(?:answer|respond\s+to)\s+(?:the|this|a|each)\s+(?:user'?s?\s+)?question\s+(?:based\s+on|using|given|from)"
        r"|based\s+(?:only\s+)?on\s+the\s+(?:context|documents?|sources?|passages?|following)"
        # ``Use the provided numbered extracts (with sources) to answer the question``: the material named first
        r"|(?:use|using|with|from)\s+(?:only\s+)?(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:context|documents?|passages?|extracts"
        r"|excerpts?|snippets?|search\s+results|sources)\b[^.\n]{0,60}?(?:\bto\s+|,\s*)answer\s+(?:the|this|a|each|my|your)\s+"
        r"(?:user'?s?\s+)?(?:question|query)",
        "grounded question answering",
    ),
)
# The same reading for prompts written in Chinese (no word boundaries there): (pattern, weight, reason).
_CJK_WORDING: tuple[tuple[str, float, str], ...] = (
    (r"分类|归类|类别", 1.2, "classify"),
    (r"是否|判断|判定", 0.8, "decide whether"),
    (r"打分|评分|分数", 1.0, "score on a scale"),
    (r"提取|抽取|摘录", 1.2, "extract"),
    (r"总结|摘要|概括|汇总|整合", 1.0, "summary of given text"),
    (r"翻译|改写|润色格式|格式化|转换为", 0.8, "rewrite"),
    (r"不添加新信息|不篡改|不要添加|保持原", 0.9, "output taken from the input"),
    (r"关键词|检索词|搜索词|查询语句", 1.2, "query generation"),
    (r"只输出|仅输出|只返回|仅返回|只回答", 0.9, "answer with only"),
    (r"写代码|编写代码|生成代码|代码|脚本|程序", -1.6, "writes code"),
    (r"文章|报告|小说|故事|诗|方案|策划|文案", -1.2, "writes a document"),
    (r"推理|分析|建议|思路", -0.7, "advice or explanation"),
    (r"聊天|对话|陪伴", -1.0, "conversation"),
)
_WORDING_CAP = 2.6  # cap on the summed wording weight in each direction
_UNCLEAR_DAMP = 0.4  # each judgement-call cue keeps this share of the wording total (once)

# Output-schema names that say what the answer is (``Score``, ``Queries``, ``Report``).
_SCHEMA_NARROW = lazy(
    r"score|grade|rating|rank|label|categor|classif|decision|verdict|choice|select|quer(?:y|ies)|keyword|"
    r"extract|summary|summar|clarif|bool|yes|intent|sentiment|entity|entities|relevan",
    re.IGNORECASE,
)
# A bare number, flag or listed literal as the answer's whole type (``output_type=int``, ``-> float``,
# ``Literal["yes", "no"]``): a short closed answer, whatever the type is called.
_SCALAR_SCHEMA = lazy(r"(?:int|float|bool|(?:typing\.)?Literal\[[^\]]*\])$")
_SCHEMA_OPEN = lazy(r"report|section|article|essay|draft|story|code|document|content|answer", re.IGNORECASE)


def _compile(table: tuple[tuple[str, float, str], ...]) -> list[tuple[re.Pattern[str], float, str]]:
    return [(lazy(rf"(?<![\w-])(?:{p})", re.IGNORECASE), w, word) for p, w, word in table]


_NARROW_RES = _compile(_NARROW_WORDING)
_OPEN_RES = _compile(_OPEN_WORDING)
_CJK_NARROW_RES = [(lazy(p), w, word) for p, w, word in _CJK_WORDING if w > 0]
_CJK_OPEN_RES = [(lazy(p), w, word) for p, w, word in _CJK_WORDING if w < 0]
_CJK = lazy(r"[\u4e00-\u9fff]")
_UNCLEAR_RES = [(lazy(rf"(?<![\w-])(?:{p})", re.IGNORECASE), why) for p, why in _UNCLEAR_WORDING]

# Clients whose raw response is a JSON envelope: ``json.loads`` on it says nothing about the answer.
ENVELOPE_CLIENTS = frozenset({"bedrock", "http"})

# Consumer -> (weight, reason)
_CONSUMERS: dict[str, tuple[float, str]] = {
    "json.loads": (1.5, "answer parsed with json.loads"),
    "pydantic": (1.5, "answer validated by a pydantic model"),
    "label-set": (1.5, "answer checked for membership in a label set"),
    "regex": (1.0, "answer matched with a regex"),
    "marker-split": (0.8, "answer cut at a fixed marker"),
    "int": (1.5, "answer cast to int"),
    "float": (1.3, "answer cast to float"),
    "bool": (1.2, "answer cast to bool"),
    "print": (-1.0, "answer printed"),
}


@dataclass(frozen=True)
class Evidence:
    weight: float
    reason: str


def is_expression(value: Any) -> bool:
    """Option values the frontend could not evaluate are kept as ``"<source>"`` text."""
    return isinstance(value, str) and len(value) >= 2 and value.startswith("<") and value.endswith(">")


def passed_through(key: str, value: Any) -> bool:
    """``response_format=response_format`` / ``tools=tools``: the option is the enclosing function's own parameter
    of that name, handed on as it is. The caller's choice, often left at None: no evidence of what the site asks."""
    return isinstance(value, str) and value.strip("<>").strip() == key


def literal_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def max_tokens_of(options: dict[str, Any]) -> tuple[str, Any] | None:
    """The output-length option a request sets (name, value), or None when it sets none."""
    for name in MAX_TOKEN_OPTIONS:
        if name in options and options[name] is not None:
            return name, options[name]
    for nested in ("generation_config", "config", "options", "extra_body", "model_kwargs"):
        inner = options.get(nested)
        if isinstance(inner, dict):
            found = max_tokens_of(inner)
            if found:
                return found
    return None


def temperature_of(options: dict[str, Any]) -> Any:
    if "temperature" in options:
        return options["temperature"]
    for nested in ("generation_config", "config", "options", "model_kwargs"):
        inner = options.get(nested)
        if isinstance(inner, dict) and "temperature" in inner:
            return inner["temperature"]
    return None


def _describe_response_format(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str):
            return kind
        return "schema"
    if is_expression(value):
        return value[1:-1]
    return str(value)


def structured_output_of(site: LLMCall) -> str | None:
    """A short description of the structured output the site asks for (``json_schema``, ``Intent``), or None."""
    for key in ("response_format", "text_format", "output_type", "format", "response_model", "response_schema"):
        value = site.options.get(key)
        if value in (None, "", "text") or (isinstance(value, dict) and value.get("type") == "text"):
            continue
        if passed_through(key, value):
            continue
        return f"{key}={_describe_response_format(value)}"
    if site.output_schema:
        return f"output schema {site.output_schema}"
    return None


def describe_tools(site: LLMCall) -> str | None:
    """``"2 tools: a, b"`` for static tools, ``"tools (`expr`)"`` when the tool list is an expression, else None."""
    if site.tools:
        return f"{len(site.tools)} tool{'s' if len(site.tools) != 1 else ''}: {', '.join(site.tools)}"
    for key in ("tools", "functions"):
        value = site.options.get(key)
        if passed_through(key, value):
            continue
        if isinstance(value, str) and value:
            return f"tools (`{value.strip('<>')}`)"
        if isinstance(value, list) and value:
            return f"{len(value)} tool{'s' if len(value) != 1 else ''}"
    return None


def schema_name(site: LLMCall) -> str:
    """The structured output's name as written (``Queries``, ``json_schema``), or ""."""
    for key in ("response_format", "text_format", "output_type", "format", "response_model", "response_schema"):
        value = site.options.get(key)
        if isinstance(value, str):
            return value.strip("<>")
        if isinstance(value, dict):
            inner = value.get("json_schema")
            if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                return inner["name"]
    return site.output_schema or ""


STREAMED = "answer streamed"


def option_evidence(request: LLMCall) -> list[Evidence]:
    """Evidence from the request's own options: structured output, tools, output length, temperature, streaming.

    A fixed schema alone says little (an essay can sit in a JSON field): its name may say what it holds. A large
    output limit says nothing by itself (read the prompt)."""
    out: list[Evidence] = []
    structured = structured_output_of(request)
    if structured:
        out.append(Evidence(0.5, structured))
        name = schema_name(request).rsplit(".", 1)[-1]
        if name and (_SCHEMA_NARROW.search(name) or _SCALAR_SCHEMA.match(schema_name(request).strip())):
            out.append(Evidence(1.0, f"schema `{name}` holds a short closed answer"))
        elif name and _SCHEMA_OPEN.search(name):
            out.append(Evidence(-0.6, f"schema `{name}` holds open content"))
    tools = describe_tools(request)
    if tools:
        out.append(Evidence(0.3, f"offers {tools}"))
        choice = request.options.get("tool_choice")
        if choice == "required" or isinstance(choice, dict) or choice == "any":
            out.append(Evidence(0.9, "tool call forced (tool_choice): argument filling"))
    limit = max_tokens_of(request.options)
    if limit:
        name, value = limit
        n = literal_number(value)
        if n is not None:
            if n <= 16:
                out.append(Evidence(1.2, f"{name}={int(n)}"))
            elif n <= 64:
                out.append(Evidence(0.6, f"{name}={int(n)}"))
            elif n <= 256:
                out.append(Evidence(0.2, f"{name}={int(n)}"))
    temp = literal_number(temperature_of(request.options))
    if temp is not None:
        if temp == 0:
            out.append(Evidence(0.3, "temperature=0"))
        elif temp <= 0.2:
            out.append(Evidence(0.15, f"temperature={temp:g}"))
        elif temp >= 0.9:
            out.append(Evidence(-0.5, f"temperature={temp:g} (sampling for variety)"))
    if request.stream or request.options.get("stream") is True:
        out.append(Evidence(-1.0, STREAMED))
    return out


# A completion prompt ending in the one field the model fills (``Emoji:``, ``...'s wake up hour:``); a list to go on
# (``1)``), a quoted line or a reasoning field (``Thought:``) is no such field.
_FIELD_END = lazy(r"(?:^|\n)[^\n\"]{0,40}?\b([A-Za-z][\w' ()-]{1,40}):[ \t]*[\"']?\s*$")
_OPEN_FIELDS = lazy(
    r"(?:thought|thoughts|reasoning|reason|response|answer|assistant|ai|human|user|bot|output|reply|a|q|content|text|"
    r"observation|action|action input|final answer|question)$",
    re.IGNORECASE,
)


# The whole last line read as a person reads it: an instruction to write (``Write the conclusion:``) or a field whose
# head noun is an open answer (``Next question for the expert:``, ``Your reply to Bob:``) is no closed field.
_OPEN_LABEL = lazy(
    r"(?:write|generate|compose|draft|create|produce|continue|describe|explain|discuss)\b"
    r"|(?:(?:your|the|my|next|final|new|first|follow-up|\w+'s)\s+){0,2}"
    r"(?:questions?|answers?|responses?|reply|replies|utterances?|messages?)\b",
    re.IGNORECASE,
)


# A dialogue transcript ending in the other side's turn to speak: a person's line (``Customer: {query}``) and, on
# the next line, the label of the one who answers it (``Support Agent:``)
_PERSON_TURN = lazy(
    r"(?:^|\n)[ \t]*(?:customer|user|human|client|patient|student|visitor|guest|caller|me)[ \t]*:[^\n]*\S[^\n]*\n"
    r"(?:[ \t]*\n)*[ \t]*(?:(?!(?:to|for|which|what|best|route|assign(?:ed)?)\b)[A-Za-z][\w'-]*[ \t]+){0,2}(?:agent|assistant|representative|rep|bot|advisor|adviser|tutor"
    r"|therapist|doctor|teacher|coach|consultant|concierge|host|staff|expert|specialist)[ \t]*:[ \t]*$",
    re.IGNORECASE,
)
DIALOGUE = 'prompt says "conversation"'


def field_evidence(templates: Iterable[str]) -> list[Evidence]:
    """Evidence from a completion prompt that ends in one named field for the model to fill; a transcript ending
    in the answering side's label after a person's line is a conversation's next reply, no field."""
    for text in templates:
        if text.strip().count("\n") < 1:
            continue  # a bare ``Observation:`` part (a stop word, a separator) is no completion prompt
        m = _FIELD_END.search(text.rstrip()[-200:])
        label = m.group(1).strip() if m else ""
        # neither the line nor the label itself may read as an open answer (``answer according to the rules:``)
        if m and not _OPEN_FIELDS.search(label) and not any(_OPEN_LABEL.match(t) for t in (m.group(0).strip(), label)):
            if _PERSON_TURN.search(text.rstrip()[-400:]):
                return [Evidence(-1.0, DIALOGUE)]
            return [Evidence(0.8, f"completion fills one field (`{label}:`)")]
    return []


_EXAMPLE_FIELD = lazy(r"^[ \t]*([A-Za-z][\w' -]{0,30}):[ \t]*(.*)$", re.MULTILINE)


def without_examples(text: str) -> tuple[str, bool]:
    """The prompt's instructions without its few-shot examples: lines whose ``Label:`` repeats three times or more
    (``Input:`` / ``Output:``, ``Action description:`` / ``Emoji:``) are examples, not what the task asks. Also says
    whether the examples' answers are all short (a few-shot prompt for a short closed answer)."""
    fields: dict[str, list[str]] = {}
    for m in _EXAMPLE_FIELD.finditer(text):
        fields.setdefault(m.group(1).strip().lower(), []).append(m.group(2))
    repeated = {k for k, v in fields.items() if len(v) >= 3}
    if not repeated:
        return text, False
    kept = [
        line
        for line in text.split("\n")
        if not ((m := _EXAMPLE_FIELD.match(line)) and m.group(1).strip().lower() in repeated)
    ]
    values = [v.strip() for k in repeated for v in fields[k] if v.strip()]
    short = bool(values) and max(len(v) for v in values) <= 80
    return "\n".join(kept), short


_EXAMPLE_HEADING = lazy(r"^[ \t]*(#{1,6})[ \t]*examples?\b[^\n]*$", re.IGNORECASE | re.MULTILINE)
_SECTION_END = lazy(r"^[ \t]*(?:(#{1,6})[ \t]+\S|-{4,}[ \t]*$|={4,}[ \t]*$)", re.MULTILINE)


def without_example_sections(text: str) -> str:
    """The prompt without its markdown example sections (``# Example`` ... up to the next heading of the same or a
    higher level, or a ``----`` rule) and its delimited examples (``<example>`` tags, ``---start_of_example---``
    ... ``---end_of_example---`` rules): what the examples say is not what the task asks."""
    out, pos = [], 0
    for m in _EXAMPLE_HEADING.finditer(text):
        if m.start() < pos:
            continue
        level = len(m.group(1))
        end = len(text)
        for e in _SECTION_END.finditer(text, m.end()):
            if e.group(1) is None or len(e.group(1)) <= level:
                end = e.start()
                break
        out.append(text[pos : m.start()])
        pos = end
    out.append(text[pos:])
    return _DELIMITED_EXAMPLE.sub("\n", "".join(out))


# An example fenced by its own markers: ``<example>...</example>`` or a rule line naming it
# (``----start_of_example_1----`` ... ``----end_of_example_1----``, ``---example_2---`` ... ``---end_of_example_2---``)
_DELIMITED_EXAMPLE = lazy(
    r"<(examples?)\b[^>\n]*>.*?</\1\s*>"
    r"|^[ \t]*[-=*#~]{3,}[ \t]*(?:start[_ ]of[_ ])?examples?(?:[_ ]?\d+)?[ \t]*[-=*#~]{3,}[ \t]*$"
    r".*?^[ \t]*[-=*#~]{3,}[ \t]*end[_ ]of[_ ]examples?(?:[_ ]?\d+)?[ \t]*[-=*#~]{3,}[ \t]*$",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


# A fenced block (```...```) and the program statements that make it source code handed in as data
_FENCED = lazy(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_CODE_LINE = lazy(
    r"^[ \t]*(?:def\s+\w+\s*\(|class\s+\w+\s*[(:]|import\s+[\w.]+|from\s+[\w.]+\s+import\b"
    r"|(?:export\s+)?(?:async\s+)?function\s+\w+\s*\(|(?:const|let|var)\s+\w+\s*=|#include\s*[<\"]"
    r"|(?:public|private|protected|static)\s+[\w<>\[\]]+\s+\w+\s*\()",
    re.MULTILINE,
)


def without_code_blocks(text: str) -> str:
    """The prompt without the fenced blocks that hold program source (a definition, an import): code handed in to
    work on is the task's input, and its string literals (``return "It's higher."``) are not what the model is asked
    to answer. Fenced blocks with no program statement (a JSON answer format, a table) are kept."""
    return _FENCED.sub(lambda m: "\n" if _CODE_LINE.search(m.group(1)) else m.group(0), text)


_OPTION_MENU_RE = lazy(_OPTION_MENU)
_OPTION_ITEM_RE = lazy(_OPTION_ITEM, re.MULTILINE)
# ``"reason": "Detailed explanation of why ..."`` inside a JSON answer format: the quoted value describes a field
_FIELD_DESCRIPTION = lazy(r"(\"[\w ]{1,40}\"\s*:\s*)\"[^\"\n]{0,200}\"")


def without_field_descriptions(text: str) -> str:
    """The prompt with the quoted values of a JSON answer format emptied: what a field's placeholder says (``"reason":
    "Detailed explanation of why this tool fits"``) describes one value of a fixed answer, not what the task asks.
    Likewise the meanings in a menu of options (``- `report` - Generate a report``): each says what one choice
    stands for, and the answer is the choice."""
    text = _FIELD_DESCRIPTION.sub(lambda m: m.group(1) + '""', text)
    return _OPTION_MENU_RE.sub(
        lambda m: _OPTION_ITEM_RE.sub(lambda i: i.group(0)[: i.start(2) - i.start(0)], m.group(0)), text
    )


# A run of four or more quoted identifiers (``"summarization", "translation", "text-to-image", ...``): the names of
# the options an answer picks among, each one value of a closed answer, not a task the prompt asks for.
_OPTION_NAME = r"([\"'`])[a-z0-9]+(?:[-_.][a-z0-9]+)*\{group}"
_OPTION_NAMES = lazy(rf"(?:{_OPTION_NAME.format(group=1)}\s*,\s*){{3,}}{_OPTION_NAME.format(group=2)}")
_ONE_OPTION_NAME = lazy(_OPTION_NAME.format(group=1))


def without_option_names(text: str) -> str:
    """The prompt with the names in a listed run of options masked (each read as ``"option"``)."""
    return _OPTION_NAMES.sub(lambda m: _ONE_OPTION_NAME.sub('"option"', m.group(0)), text)


# Markdown emphasis around words (``**one chapter**``, ``__only__``, ``*not*``): a person reads through the marks.
_EMPHASIS = lazy(r"(?<![*\w])(?:\*\*|__|\*)(?=\S)([^*_\n]{1,80}?)(?<=\S)(?:\*\*|__|\*)(?![*\w])")


# A case of the input the prompt names (``If the original query is to write a report, ...``): what the user may want,
# not what this call writes; open-task words in it say nothing of this answer.
_INPUT_CASE = lazy(
    r"\bif\s+the\s+(?:original\s+|user'?s?\s+|given\s+|main\s+)?(?:query|question|request|task|input)\s+"
    r"(?:is|asks?|wants?|requests?)\b[^,.;\n]{0,120}"
    # ``Do NOT search if the user is asking you to do a task, write code, or make something``: what the user may ask
    # for, listed up to the sentence's end
    r"|\b(?:if|when|unless)\s+the\s+user\s+(?:is\s+)?(?:ask(?:s|ing)?|want(?:s|ing)?|request(?:s|ing)?)\s+"
    r"(?:(?:you|us|me|the\s+\w+)\s+)?(?:to|for)\b[^.;\n]{0,120}",
    re.IGNORECASE,
)


# What the assistant is able to do, said of it in the third person (``the assistant can analyze, summarize or extract
# information from documents``, ``The agent is capable of writing code``): a system prompt's list of capabilities, not
# what this call asks for; ``can only`` / ``cannot`` is a constraint on the answer and stays.
_CAPABILITY = lazy(
    r"\b(?:the|this|our)\s+(?:assistant|agent|ai|model|bot|chatbot)\s+(?:also\s+)?"
    r"(?:can|could|is\s+(?:also\s+)?(?:able|capable)|has\s+the\s+(?:capability|ability))\b(?!\s+(?:only|not)\b)",
    re.IGNORECASE,
)
_SENTENCE_END = lazy(r"[.!?\n]")
_CONDITION_BEFORE = lazy(r"\b(?:if|whether|when|unless|that)\s+$", re.IGNORECASE)


def without_capabilities(text: str) -> str:
    """The prompt text without the sentences that list what the assistant is able to do (see ``_CAPABILITY``)."""
    out: list[str] = []
    done = 0
    for m in _CAPABILITY.finditer(text):
        if m.start() < done or _CONDITION_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue  # ``decide whether to search, or if the assistant can respond directly``: a case, not a list
        start = max(text.rfind(c, done, m.start()) for c in ".!?\n") + 1
        end = _SENTENCE_END.search(text, m.end())
        out.append(text[done : max(start, done)])
        done = end.end() if end is not None else len(text)
    return "".join(out) + text[done:]


def wording_evidence(texts: Iterable[str]) -> list[Evidence]:
    """Evidence from the literal prompt text: what the task asks for, in each direction, capped."""
    return list(_wording_evidence("\n".join(texts)))


@functools.lru_cache(maxsize=4096)
def _wording_evidence(joined: str) -> tuple[Evidence, ...]:
    """``wording_evidence`` of the prompt texts joined by newlines: a function of the text alone, remembered (the
    sites of one wrapper share its prompt: camel asks 853 times for 349 texts)."""
    text, short_examples = without_examples(without_example_sections(without_code_blocks(joined)))
    text = without_capabilities(text)
    if not text.strip():
        return ()
    text = _EMPHASIS.sub(r"\1", text)  # ``write **one specific chapter**`` reads as the words, not the marks
    text = without_option_names(text)
    out: list[Evidence] = []
    if short_examples:
        out.append(Evidence(0.6, "few-shot examples with short answers"))
    cjk = bool(_CJK.search(text))
    for table in (_NARROW_RES, _OPEN_RES):
        read = text if table is _NARROW_RES else _INPUT_CASE.sub("", without_field_descriptions(text))
        if cjk:
            table = table + (_CJK_NARROW_RES if table is _NARROW_RES else _CJK_OPEN_RES)
        total = 0.0
        seen: set[str] = set()
        for pattern, weight, word in table:
            if word in seen:
                continue
            if abs(total) >= _WORDING_CAP:
                break
            if affirmed(pattern, read):
                w = max(-_WORDING_CAP - total, min(_WORDING_CAP - total, weight))
                total += w
                seen.add(word)
                out.append(Evidence(w, f'prompt says "{word}"'))
    if any(e.weight > 0 for e in out):
        # the stock persona line (``You are a helpful assistant.``) tells what the task is only where nothing else
        # does: beside a closed answer form the prompt states, it says nothing of the output space
        out = [e for e in out if e.reason != f'prompt says "{_PERSONA}"']
    return (*out, *task_statement_evidence(text), *typed_record_evidence(text))


# A typed field of an answer schema written into the prompt (``count: int = Field(description=...)``, ``done: bool``).
_TYPED_FIELD = lazy(
    r"^[ \t]*[A-Za-z_]\w*[ \t]*:[ \t]*(?P<type>int|float|bool|str|(?:Optional|List|list|Dict|dict|Set|set)\b[^=\n]*)"
    r"[ \t]*(?:=[ \t]*Field\(|=|$)",
    re.MULTILINE,
)
_RECORD_WEIGHT = 0.9


def typed_record_evidence(text: str) -> list[Evidence]:
    """An answer schema of typed fields most of which are numbers or booleans (a count, a line number, a flag) and
    none a collection: a small record read off the input, like extraction into fixed keys."""
    types = [m.group("type").strip() for m in _TYPED_FIELD.finditer(text)][:64]
    if len(types) < 2 or any(t not in ("int", "float", "bool", "str") for t in types):
        return []
    if 2 * sum(t != "str" for t in types) < len(types):
        return []
    return [Evidence(_RECORD_WEIGHT, "the answer is a record of number / flag fields")]


# The sentence that states the task (``Your task is to ...``, ``You are a researcher responsible for ...``,
# ``Task: ...``): where a prompt says both things, what it says the job *is* outweighs the steps around it.
_TASK_STATEMENT = lazy(
    r"(?:\byour\s+(?:\w+\s+)?(?:task|job|goal|responsibility|purpose|objective|mission)\s+(?:is|will\s+be)\s+"
    r"|\byou\s+are\s+[^.\n]{0,80}?\b(?:responsible\s+for|tasked\s+with|in\s+charge\s+of)\s+"
    r"|^[ \t*#]*task[ \t*]*:[ \t*]*)([^.!?\n]{8,240})",
    re.IGNORECASE | re.MULTILINE,
)
_TASK_WEIGHT = 0.6  # what the task statement says, once per direction, beside the same words read anywhere
_TASK_CUE = 0.8


def task_statement_evidence(text: str) -> list[Evidence]:
    """The task statement read on its own: when its words lean one way only, that way gets a little more weight."""
    statements = [m.group(1) for m in _TASK_STATEMENT.finditer(text)]
    if not statements:
        return []
    said = "\n".join(statements)
    # strong cues only: a bare "write" or "summary" in the statement says too little of what is written
    narrow = next((word for p, w, word in _NARROW_RES if w >= _TASK_CUE and affirmed(p, said)), None)
    open_ = next((word for p, w, word in _OPEN_RES if -w >= _TASK_CUE and affirmed(p, said)), None)
    if narrow and not open_:
        return [Evidence(_TASK_WEIGHT, f'the task statement says "{narrow}"')]
    if open_ and not narrow:
        return [Evidence(-_TASK_WEIGHT, f'the task statement says "{open_}"')]
    return []


# A prohibition before the words in the same clause (``Do NOT write your name as a label``): not what is asked.
_NEGATED = lazy(r"\b(?:do\s+not|don'?t|never|must\s+not|mustn'?t|should\s+not|shouldn'?t|avoid)\b", re.I)
# The prohibition's clause ends at a sentence end, or at a comma that a new instruction follows (``Do not add notes,
# comments or greetings, reply with only the sum``); a comma list of more things not to do stays inside it.
_CLAUSE_END = lazy(
    r"[.;!?\n]|,\s*(?:(?:and|but|then|instead)\s+)?(?=(?:return|respond|reply|answer|output|give|write|provide|"
    r"print|produce|generate|just|only|simply|instead)\b)",
    re.IGNORECASE,
)


def affirmed(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the pattern occurs outside a prohibition: the clause before the match has no ``do not`` / ``never``."""
    for m in pattern.finditer(text):
        start = max(0, m.start() - 200)
        # split with the match itself in view (a comma before it ends the clause when the match is a new instruction)
        clause = _CLAUSE_END.split(text[start : m.end()])[-1]
        if len(clause) >= m.end() - m.start():
            before = clause[: len(clause) - (m.end() - m.start())]
        else:  # the match runs over a clause end itself: the clause it starts in
            before = _CLAUSE_END.split(text[start : m.start()])[-1]
        if not _NEGATED.search(before):
            return True
    return False


_JSON_WORD = lazy(r"\bjson\b|\{\s*\"", re.IGNORECASE)
_QUESTION_WORD = lazy(r"\b(?:answer|answers|answering|question|questions|query|queries|ask(?:s|ed)?)\b", re.I)


def judgement_cues(texts: Iterable[str], structured: bool) -> list[str]:
    """Cues that the task is a judgement call (review with a verdict, self-reflection, a plan in a fixed schema,
    grounded QA): they pull the verdict towards unclear. A plan counts only when it is asked in a fixed schema."""
    text = without_capabilities("\n".join(texts))
    if not text.strip():
        return []
    out = []
    for pattern, why in _UNCLEAR_RES:
        if why == "planning" and not (structured or affirmed(_JSON_WORD, text)):
            continue  # "... next steps. Do not include JSON.": a JSON the prompt forbids is no fixed schema
        if why == "planning" and not _plan_asked(pattern, text):
            continue  # "for the provided plan, write search queries": the plan is the input, not the answer
        if why == "self-reflection" and not _reflection_asked(pattern, text):
            continue  # "Based on the task and past reflections, answer": reflections handed in, not asked for
        if why == "grounded question answering" and not _QUESTION_WORD.search(text):
            continue  # "based on the following specification" with no question to answer: grounded generation
        if pattern.search(text):
            out.append(why)
    return out


# A plan the prompt hands in (``the provided step-by-step plan``, ``# Current Plan``) and a plan it asks for.
_PLAN_GIVEN = lazy(
    r"\b(?:provided|given|above|following|below|current|existing|previous|original|attached)\s+(?:[\w-]+\s+){0,2}$",
    re.I,
)
_PLAN_ASKED = lazy(
    r"\b(?:create|write|make|generate|produce|output|propose|devise|draft|update|revise|formulate|give|return|build"
    r"|come\s+up\s+with|break\s+(?:\w+\s+)?down)\s+(?:[\w,'-]+\s+){0,4}$",
    re.I,
)


# Reflections handed in: a heading over a slot (``REFLECTION:\n{reflection}``), or named as what the answer is based on
# (``Based on the task and relevant past reflections, ...``).
_REFLECTION_SLOT = lazy(r"[ \t]*:?[ \t]*\n?[ \t]*\{")
_HEADING_START = lazy(r"(?:^|\n)[ \t#*>-]*$")  # nothing but heading marks before the word on its line
_HEADING_END = lazy(r"[ \t]*:?[ \t*]*(?:\n|$)")  # and nothing after it but a colon (the slot below, dropped)
_REFLECTION_GIVEN = lazy(
    r"(?:\b(?:past|previous|prior|earlier|given|provided|stored|relevant)\s+|\bbased\s+on\b[^.\n]{0,60}?(?:,|\band|\bor)\s+)"
    r"(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)


def _reflection_asked(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the self-reflection cue is about the answer: some mention of it is not a reflection the prompt hands
    in (a heading over a slot, past reflections, what the answer is based on)."""
    for m in pattern.finditer(text):
        given = _REFLECTION_SLOT.match(text, m.end()) or _REFLECTION_GIVEN.search(
            text[max(0, m.start() - 80) : m.start()]
        )
        heading = _HEADING_START.search(text[max(0, m.start() - 80) : m.start()]) and _HEADING_END.match(text, m.end())
        if not (given or heading):
            return True
    return False


def _plan_asked(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the planning cue is about the answer: always, unless the prompt hands a plan in as its input; then only
    a plan (or sub-task list) it asks to be written counts, and mentions of the given plan do not."""
    found = list(pattern.finditer(text))
    if not any(_PLAN_GIVEN.search(text[max(0, m.start() - 60) : m.start()]) for m in found):
        return True
    for m in found:
        if "plan" not in m.group(0).lower():
            return True  # decompose / sub-tasks / next steps: asked of the model
        before = text[max(0, m.start() - 60) : m.start()]
        if _PLAN_ASKED.search(before) and not _PLAN_GIVEN.search(before):
            return True
    return False


def use_evidence(site: LLMCall) -> list[Evidence]:
    """Evidence from the site's label set and from how its answer is consumed."""
    out: list[Evidence] = []
    if site.labels:
        out.append(Evidence(2.0, f"answer checked against {len(site.labels)} labels"))
    for consumer in dict.fromkeys(site.consumers):
        if consumer == "label-set" and site.labels:
            continue
        if consumer == "json.loads" and site.client in ENVELOPE_CLIENTS:
            continue  # the JSON parsed is the response envelope, not the model's answer
        if consumer == "print" and set(site.consumers) - {"print", "unused"}:
            continue  # a debug print of an answer the program also returns or uses: not what the answer is for
        if consumer in _CONSUMERS:
            weight, reason = _CONSUMERS[consumer]
            out.append(Evidence(weight, reason))
    return out


_HISTORY_NAME = lazy(
    r"history|messages|conversation|chat|memory|turns|msgs|dialog|message_(?:seq|sequence|list|log)", re.IGNORECASE
)
# ... unless the name says it is one message's content (``grounding_messages_content``, ``chat_text``)
_CONTENT_NAME = lazy(r"(?:content|text|prompt|body)$", re.IGNORECASE)


def conversation_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """A prompt that splices in a whole message list (``*history``) is a conversation or an agent loop."""
    prompt = graph.prompt_of(site.id)
    if prompt is None:
        return []
    for at, message in enumerate(prompt.messages):
        holes = [p.text for p in message.parts if p.hole]
        if any(h.startswith("*") for h in holes) or (
            message.origin == "dynamic"
            and len(message.parts) == 1
            and holes
            and _HISTORY_NAME.search(holes[0])
            and not _CONTENT_NAME.search(holes[0])
        ):
            # with no instruction of its own beside the history, the model just carries the conversation on; an own
            # user turn before the history (``[Message("user", opener)] + messages``) opens the conversation, it is
            # no instruction about it
            bare = not any(
                m.static_text().strip()
                for n, m in enumerate(prompt.messages)
                if n != at and not (n < at and m.role == "user")
            )
            out = [Evidence(-0.7 if bare else -0.5, HISTORY)]
            if not site.tools and isinstance(site.options.get("tools"), str):  # a closed, listed tool set: unclear
                out.append(Evidence(-1.0, "agent loop: history plus a tool set chosen at run time"))
            return out
    return []


# Framework calls that run an agent on the conversation a chat UI sends (pydantic-ai's UI adapters): the person and
# the agent talk turn after turn.
_CHAT_UI_RUNS = frozenset({("pydantic-ai", "dispatch_request")})
CHAT_UI = "serves the agent to a chat UI: the person and the model talk turn after turn"
# Sends of a person's turn into a live (realtime) session: what a caller says or types into a pydantic-ai realtime
# session, a browser's WebRTC offer answered by a realtime agent, Gemini Live's content and media sends. The answer
# comes in the session's event stream (the send's own return is dropped), so however little of the argument is read
# the send is no warm-up ping: the person and the model talk turn after turn. (A tool's result sent back is no turn.)
_LIVE_SESSION_SENDS = frozenset(
    {
        *(("pydantic-ai", api) for api in ("send", "send_audio", "answer_webrtc_offer")),
        *(("google", api) for api in ("send", "send_client_content", "send_realtime_input")),
    }
)
LIVE_SESSION = "a turn sent into a live (realtime) session: the person and the model talk turn after turn"


# A hole the frontend keeps as the console read that fills it (slmc.frontend.resolve.console_read): ``input("> ")``,
# ``typer.prompt(...)``, ``click.prompt(...)``, rich's ``Prompt.ask(...)``.
_CONSOLE_HOLE = lazy(r"^(?:input|typer\.prompt|click\.prompt|Prompt\.ask)\(")
TYPED = "the user turn is what a person types at the console: a free request or conversation"


def console_evidence(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> list[Evidence]:
    """A user turn that is nothing but a line a person types at the console (a REPL, ``input()`` in a chat loop):
    the person asks what they like, so the model answers a free request. Left out where the prompt around it already
    says it is a closed task (a CLI classifier reading the text to label)."""
    prompt = graph.prompt_of(site.id)
    if prompt is None or not _typed(prompt.messages):
        return []
    if _console_session(graph, site):
        return [Evidence(-1.2, SESSION)]
    closed = sum(e.weight for e in evidence if e.weight > 0 and e.reason.startswith("prompt says"))
    if closed >= 1.0:
        return []
    return [Evidence(-1.2, TYPED)]


SESSION = "starts a console chat session: the person and the model talk turn after turn"


def _typed(messages: Iterable[Message]) -> bool:
    """Whether a user turn is nothing but a line a person types at the console."""
    return any(
        m.role == "user"
        and not m.static_text().strip()
        and any(p.hole and _CONSOLE_HOLE.match(p.text) for p in m.parts)
        for m in messages
    )


def _console_session(graph: AgentGraph, site: LLMCall) -> bool:
    """A call of a wrapper that itself reads the console turn after turn and sends the growing conversation
    (``run_chat_loop(agent)``): the call starts a chat session with a person, whatever the first instructions say;
    a console loop that sends each line alone (a classifier at a prompt) carries no conversation."""
    if site.site != SiteKind.WRAPPER_CALL or not site.target:
        return False
    own = graph.prompt_of(site.target)
    request = graph.request_of(site.id)
    return (
        own is not None and _typed(own.messages) and request is not None and bool(conversation_evidence(graph, request))
    )


# A hole named for what the user wrote (``user_input``, ``self.user_message``, ``user_query``): the person's own request.
_USER_HOLE = lazy(r"^(?:[\w.]*\.)?user_?(?:input|message|msg|query|request|prompt|question|text)$", re.IGNORECASE)
FORWARDED = "the prompt is the user's own message, handed on with no instruction: a free request"


def user_message_evidence(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> list[Evidence]:
    """A call whose whole prompt is what the user wrote (``vision(prompt=user_input, images=images)``), with no word of
    the program's around it: the model answers whatever the person asked, a free request. Left out where the request
    its wrapper reaches, or anything else, already says it is a closed task."""
    prompt = graph.prompt_of(site.id)
    if prompt is None or not prompt.messages:
        return []
    holes = [p.text for m in prompt.messages for p in m.parts if p.hole]
    if any(m.static_text().strip() for m in prompt.messages) or not any(_USER_HOLE.match(h) for h in holes):
        return []
    if any(not _USER_HOLE.match(h) and not _ATTACHMENT_HOLE.search(h) for h in holes):
        return []  # other data beside it (``{document}``): the program's input, not only the person's request
    if sum(e.weight for e in evidence if e.weight > 0) >= 1.0:
        return []
    return [Evidence(-0.9, FORWARDED)]


_ATTACHMENT_HOLE = lazy(r"image|file|attachment|content_parts|media|audio", re.IGNORECASE)


# A template file's own notes, which are not what the model is asked: a comment block its loader cuts off at a marker
# (``<commentblockmarker>###</commentblockmarker>``) and lines documenting its slots (``!<INPUT 0>! -- persona name``,
# read here with the slot already dropped).
_COMMENT_BLOCK_END = lazy(r"<commentblockmarker>[^<\n]{0,40}</commentblockmarker>", re.IGNORECASE)
_SLOT_NOTE = lazy(r"^[ \t]*--[ \t][^\n]*(?:\n|$)", re.MULTILINE)


def without_notes(text: str) -> str:
    """The prompt text without its template notes (a comment block cut at its marker, slot documentation lines)."""
    ends = [m.end() for m in _COMMENT_BLOCK_END.finditer(text)]
    if ends:
        text = text[ends[-1] :]
    return _SLOT_NOTE.sub("", text)


# The text of one message that triage reads: its evidence is in the instructions, and the regular expressions over a
# prompt of megabytes (a data set pasted into a string literal or a template file) took a minute per site.
TRIAGE_TEXT_CHARS = 64_000


def _read_text(m: Message) -> str:
    """A message's literal text as triage reads it: its notes left out, at most ``TRIAGE_TEXT_CHARS`` of it."""
    return without_notes(m.static_text()[:TRIAGE_TEXT_CHARS])


def prompt_texts(graph: AgentGraph, site: LLMCall) -> list[str]:
    prompt = graph.prompt_of(site.id)
    if prompt is None:
        return []
    return [_read_text(m) for m in prompt.messages]


def asked_texts(graph: AgentGraph, site: LLMCall) -> list[str]:
    """The prompt texts of what this call asks. A conversation that carries the model's own earlier answers (an
    assistant turn with no literal text, unlike a few-shot example) and asks again after the last of them has had
    its earlier asks answered already: the system turns and the turns after that answer are this call's task."""
    prompt = graph.prompt_of(site.id)
    if prompt is None:
        return []
    msgs = prompt.messages
    last = max((i for i, m in enumerate(msgs) if m.role == "assistant" and not m.static_text().strip()), default=-1)
    if last < 0 or not any(m.role == "user" and m.static_text().strip() for m in msgs[last + 1 :]):
        return prompt_texts(graph, site)
    return [_read_text(m) for i, m in enumerate(msgs) if i > last or m.role == "system"]


_PROBE_CHARS = 30  # a user turn this short, with no input at all, is a probe (``Hi!``), not a task on data


def probe_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """A prompt of fixed literals only, whose user turn is a few words (a key check, a health check, a warm-up): the
    input decides the answer entirely and nothing from the program's data reaches the model."""
    prompt = graph.prompt_of(site.id)
    if (site.api or "").startswith("beta.threads."):
        return []  # an Assistants run sends the thread the server holds, however empty its prompt reads here
    if (site.client, site.api) in _LIVE_SESSION_SENDS:
        return []  # a turn into a live session, answered in its event stream: no ping (``collect_evidence``)
    if prompt is not None and not prompt.messages and site.site == SiteKind.REQUEST and "unused" in site.consumers:
        # ``ollama.chat(model=name, messages=[])`` with its answer dropped: a ping that loads or wakes the model
        return [Evidence(1.2, "an empty prompt whose answer is dropped (a warm-up ping)")]
    if prompt is None or not prompt.messages or any(p.hole for m in prompt.messages for p in m.parts):
        return []
    users = [m.static_text().strip() for m in prompt.messages if m.role != "system"] or [
        m.static_text().strip() for m in prompt.messages
    ]  # a greeting sent as the only (system) message is a probe too
    if not users or not all(users) or max(len(u) for u in users) > _PROBE_CHARS:
        return []
    if "print" in site.consumers and _instructed(prompt.messages):
        # ``Hi!`` to an agent set up with instructions of its own, the reply shown to the person running it: the
        # opening turn of a conversation with that agent (a demo), not a check whose answer nobody reads
        return []
    return [Evidence(1.2, "a fixed probe prompt with no input (a key or health check)")]


_INSTRUCTION_WORDS = 3  # a system turn of this many words sets the model up (a persona, a role), more than a label


def _instructed(messages: Iterable[Message]) -> bool:
    """Whether a prompt has a system turn of its own beside its other turns (instructions the model is set up with)."""
    turns = list(messages)
    system = [m for m in turns if m.role == "system"]
    return len(system) < len(turns) and any(len(m.static_text().split()) >= _INSTRUCTION_WORDS for m in system)


_AUTHORED_CHARS = 12  # a prompt with fewer literal characters than this only forwards what the caller gives


# A turn asking the model to carry on with the answer it was cut off in (``Continue generating. Do not restart.``,
# ``Please go on from where you stopped``): the same task sent again, not a new one.
_CONTINUATION = lazy(
    r"^\W*(?:please[\s,]+)?(?:continue|keep going|keep writing|go on|carry on|resume)\b(?:(?!\?).){0,60}"
    r"(?:generat|writ|respon|answer|output|where|from|stopped|left off|cut off|previous|last|\.|$)",
    re.IGNORECASE,
)


def _task_signature(graph: AgentGraph, site: LLMCall) -> str | None:
    """The literal text a site authors (its prompt's static text, whitespace folded), or None when it only forwards
    its function's arguments (a retry, a fallback engine, a provider switch: the same task sent again)."""
    text = " ".join(" ".join(prompt_texts(graph, site)).split())
    return text if len(text) >= _AUTHORED_CHARS else None


def _carries_on(graph: AgentGraph, site: LLMCall) -> bool:
    """Whether a site only asks the model to continue the answer it was cut off in (no task of its own)."""
    return bool(_CONTINUATION.search(" ".join(" ".join(prompt_texts(graph, site)).split())))


def multi_task_wrappers(graph: AgentGraph) -> set[str]:
    """Wrapper sites whose function makes more than one LLM task (directly or through the wrappers it calls).

    Such a function is an orchestrator (``handle(ticket)`` classifying, extracting and replying), not one task: a
    call of it carries no single task's evidence. Calls that only forward the function's own arguments (a retry, a
    backup engine, one branch per provider) are one task, however many there are; so are twins sending one text.
    """
    inner: dict[tuple[str, str], list[LLMCall]] = {}
    for s in graph.sites():
        if s.site != SiteKind.WRAPPER:
            inner.setdefault((s.loc.path, s.function), []).append(s)
    memo: dict[str, bool] = {}

    def tasks(sites: list[LLMCall]) -> int:
        authored = {_task_signature(graph, s) for s in sites if not _carries_on(graph, s)}
        return len(authored - {None}) + (1 if None in authored else 0)

    def is_multi(wrapper_id: str) -> bool:
        if wrapper_id in memo:
            return memo[wrapper_id]
        memo[wrapper_id] = False  # cycle guard
        wrapper = graph.get(wrapper_id)
        if not isinstance(wrapper, LLMCall) or wrapper.site != SiteKind.WRAPPER:
            return False
        sites = list(inner.get((wrapper.loc.path, wrapper.function), []))
        reached = [n for n in graph.succs(wrapper_id, EdgeKind.CALLS) if isinstance(n, LLMCall)]
        sites += [n for n in reached if n.site == SiteKind.REQUEST and n not in sites]  # through folded helpers
        memo[wrapper_id] = (
            tasks(sites) > 1
            or any(s.site == SiteKind.WRAPPER_CALL and s.target is not None and is_multi(s.target) for s in sites)
            or any(n.site == SiteKind.WRAPPER and is_multi(n.id) for n in reached)  # a wrapper a folded helper calls
        )
        return memo[wrapper_id]

    return {w.id for w in graph.sites(SiteKind.WRAPPER) if is_multi(w.id)}


_SHARED_CALLERS = 3  # functions calling one request through wrappers, from which on its options are the transport's
_REQUEST_CALLERS: weakref.WeakKeyDictionary[AgentGraph, dict[str, int]] = weakref.WeakKeyDictionary()


def _callers_of_request(graph: AgentGraph) -> dict[str, int]:
    """Per request id, how many different functions reach it through wrapper-calls. Memoised per graph."""
    out = _REQUEST_CALLERS.get(graph)
    if out is None:
        fns: dict[str, set[tuple[str, str]]] = {}
        for s in graph.sites(SiteKind.WRAPPER_CALL):
            req = graph.request_of(s.id)
            if req is not None:
                fns.setdefault(req.id, set()).add((s.loc.path, s.function))
        out = _REQUEST_CALLERS[graph] = {k: len(v) for k, v in fns.items()}
    return out


def collect_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """All static evidence for one site; a wrapper-call adds the evidence of the request its wrapper reaches."""
    request = graph.request_of(site.id) if site.site != SiteKind.REQUEST else site
    texts = asked_texts(graph, site)
    evidence = use_evidence(site)
    if request is not None and request.id != site.id:
        texts += prompt_texts(graph, request)
        if site.site == SiteKind.WRAPPER:
            evidence += [e for e in use_evidence(request) if e.weight > 0]
        # a wrapper that streams every answer it fetches (printing tokens as they come), for the many functions
        # calling it, streams a commit message as it streams a plan: the transport's choice, no evidence about this
        # caller's task; so is the sampling temperature it sets for all of them
        transport = site.site == SiteKind.WRAPPER_CALL and (
            _callers_of_request(graph).get(request.id, 0) >= _SHARED_CALLERS
        )
        # a call handing its wrapper no tools (``tools=None``, ``tools=[]``) sends none, whatever expression the request
        # writes for the tools the caller hands in
        no_tools = site.site == SiteKind.WRAPPER_CALL and any(
            k in site.options and site.options[k] in (None, [], ()) for k in ("tools", "functions")
        )
        # (a temperature the call hands in itself, other than the request's, is this caller's choice, read below)
        own_temperature = temperature_of(site.options) not in (None, temperature_of(request.options))
        sampled = transport and not own_temperature

        def kept(e: Evidence) -> bool:
            if no_tools and e.reason.startswith("offers "):
                return False
            return not (transport and e.reason == STREAMED) and not (sampled and e.reason.startswith("temperature="))

        evidence += [
            e for e in option_evidence(request) if kept(e) and not (own_temperature and e.reason.startswith("temp"))
        ]
        # options passed through the wrapper-call (e.g. temperature=0), or the schema it hands in for its answer
        if site.options or (site.output_schema and site.output_schema != request.output_schema):
            own = option_evidence(site)
            seen = {e.reason.split("=", 1)[0] for e in evidence}
            evidence += [e for e in own if e.reason.split("=", 1)[0] not in seen and kept(e)]
    else:
        evidence += option_evidence(site)
    evidence += wording_evidence(texts)
    evidence += open_question_evidence(texts, evidence)
    evidence += listing_pick_evidence(texts, evidence)
    own = graph.prompt_of(site.id)
    fields = field_evidence(m.template() for m in own.messages) if own is not None else []
    evidence += [e for e in fields if e.reason not in {x.reason for x in evidence}]  # "conversation" said once
    # a wrapper-call's own prompt says whether it hands in a conversation; the ``messages`` parameter of the request
    # its wrapper reaches is only the transport
    evidence += conversation_evidence(graph, site if request is None or site.site == SiteKind.WRAPPER_CALL else request)
    evidence += console_evidence(graph, site, evidence)
    if (site.client, site.api) in _CHAT_UI_RUNS:
        evidence.append(Evidence(-0.8, CHAT_UI))
    if (site.client, site.api) in _LIVE_SESSION_SENDS:
        evidence.append(Evidence(-1.2, LIVE_SESSION))
    if any(e.reason == SESSION for e in evidence):  # the first instructions do not close a conversation with a person
        evidence = [e for e in evidence if not (e.weight > 0 and e.reason.startswith("prompt says"))]
    evidence += user_message_evidence(graph, site, evidence)
    agent = targeted_fix(agent_evidence(graph, site), texts)
    filled = named_tool_evidence(site, agent, texts, evidence) or one_tool_task_evidence(graph, site, evidence)
    if filled:  # the loop's one step is the call of the tool its task names: read as that call's arguments
        agent, evidence = [], evidence + filled
    if agent:  # the text handed to an agent loop is the user's request, not a closed answer's format; a regex taking
        # the final answer out of the loop's last message (``<solution>(.*?)</solution>``) is how it is carried
        regex = _CONSUMERS["regex"][1]
        evidence = [
            e for e in evidence if not (e.weight > 0 and (e.reason.startswith("prompt says") or e.reason == regex))
        ]
        # the tools the agent's construction gives it are what its loop runs over, no closed call of its own
        evidence = [e for e in evidence if not e.reason.startswith("offers ")]
        # greedy sampling makes the loop's steps repeatable, not its task closed
        evidence = [e for e in evidence if e.reason != "temperature=0"]
    evidence += closed_tools_evidence(site, agent, evidence) or agent
    persona = [] if agent else handed_persona_evidence(graph, site, evidence)
    evidence += persona
    if not agent and not persona and not any(e.weight < 0 and e.reason.startswith("prompt says") for e in evidence):
        evidence += probe_evidence(graph, site)  # a user's short request to an agent loop is no probe
    # a hint, left out where the prompt already says as much in that direction, or already reads clearly the other way
    said = [e.weight for e in evidence if e.reason.startswith("prompt says")]
    net = sum(said)
    own_names = {f"named `{site.function}`", f"named `{(site.function or '').rsplit('.', 1)[-1]}`"}
    for e in name_evidence(graph, site):
        if agent and any(e.reason.startswith(n) for n in own_names):
            continue  # the method entering an agent's loop is named for its own job, not for the agent's task
        same_way = abs(sum(w for w in said if (w > 0) == (e.weight > 0)))
        other_way = abs(net) if (net > 0) != (e.weight > 0) else 0.0
        if same_way < 1.0 and other_way < 1.0:
            evidence.append(e)
    unread = _task_signature(graph, site) is None and (request is None or _task_signature(graph, request) is None)
    # a step method calling a wrapper whose own name says it is a closed task (``summarize_history(messages)``) makes
    # that task, not the loop's step
    step = [] if calls_closed_task(graph, site, evidence) else own_step_evidence(site, evidence, unread)
    if step:
        evidence += step
    if step:  # the parse reads tool calls out of an agent step: how the answer is carried, not that it is closed
        evidence = [e for e in evidence if e.reason not in _CARRIER_PARSES]
    elif any(e.weight < 0 and "writes code" in e.reason for e in evidence):
        # code read out of its fences (a regex) or, where the prompt itself asks for code, out of a JSON of files
        said = any(e.weight < 0 and e.reason.startswith("prompt says") and "writes code" in e.reason for e in evidence)
        carriers = _CARRIER_PARSES if said else {_CONSUMERS["regex"][1]}
        # where the prompt itself asks for code, the form it puts on the answer (only code, no explanations; parse
        # the input; functions of at most N lines) is what the program looks like, not a closed output
        carriers = carriers | _CODE_FORM if said else carriers
        evidence = [e for e in evidence if e.reason not in carriers]
    evidence = history_as_input(evidence)
    structured = any(structured_output_of(s) for s in (site, request) if s is not None)
    evidence += [Evidence(0.0, JUDGEMENT + why) for why in judgement_cues(texts, structured)]
    evidence = work_review(texts, evidence)
    evidence += free_plan_evidence(texts, structured, evidence)
    return evidence


# A review of work someone did (code written, a run's output, changes made, an experiment, a draft) that asks for a
# written assessment beside its verdict (``"code": "Assess code quality ..."``, ``"final_decision": <true/false>``;
# ``determine if the feedback has been successfully resolved ... Provide a clear explanation``).
_WORK = (
    r"(?:code|implementation|changes?|patch(?:es)?|diffs?|pull\s+request|commits?|execution|stdout|test\s+(?:output|results?)"
    r"|experiments?|draft|solution|workflow|pipeline|hypothesis)"
)
_WORK_ASSESSED = lazy(
    rf"\b(?:review|evaluate|assess|judge|critique|examine|analy[sz]e|approve)\s+(?:[\w-]+\s+){{0,4}}?{_WORK}\b"
    rf"|\b{_WORK}\s+(?:review|evaluation|assessment|quality)\b"
    # ``determine if the feedback has been successfully resolved``: the work judged by what it was to achieve
    r"|\b(?:whether|if|has)\s+(?:the\s+|this\s+|your\s+)?(?:[\w-]+\s+){0,2}?(?:feedback|issues?|changes?|task|request"
    r"|bug|problem)\s+(?:has|have|is|are|been)\s+(?:been\s+)?(?:successfully\s+|fully\s+|correctly\s+)?"
    r"(?:resolved|addressed|incorporated|fixed|implemented|completed)\b",
    re.IGNORECASE,
)
# the verdict itself: a flag, a pass/fail or approve/reject, a final decision
_WORK_VERDICT = lazy(
    r"\btrue\s*/\s*false\b|\btrue\s+or\s+false\b|\byes\s*/\s*no\b|\byes\s+or\s+no\b|\bpass(?:ed)?\s*(?:/|or)\s*fail"
    r"|\bapprove\b|\breject\b|\blgtm\b|\bfinal[_ -]?(?:decision|verdict)\b|\bsuccess(?:ful)?\s*(?:flag|verdict)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# and the written part: feedback, an explanation, a critique of it
_ASSESSMENT_ASKED = lazy(
    r"\b(?:feedback|explanation|explain|critique|suggestions?|comments|analysis|assessment|describe|detail)\b", re.I
)
WORK_REVIEW = "review of work with a verdict"
# the verdict's own form, which in a review is the verdict of the judgement call, not a closed task's answer
_VERDICT_FORMS = frozenset(
    f'{where} says "{word}"'
    for where in ("prompt", "the task statement")
    for word in ("yes or no", "decide whether", "a true/false field", "a 0/1 flag by a condition")
)


def work_review(texts: Iterable[str], evidence: list[Evidence]) -> list[Evidence]:
    """A review of work done (code, a run, changes, an experiment, a draft) asking for a written assessment and a
    verdict on it: a review ending in a pass/fail verdict, a judgement call (CALLSITES.md). The verdict's form (yes
    or no, true/false, decide whether) is that review's verdict and no sign of a closed task; the judgement cue damps
    the rest. A verdict on a statement or a text (a fact check, a relevance flag) is no review of work."""
    text = without_capabilities("\n".join(texts))
    if not (_WORK_ASSESSED.search(text) and _WORK_VERDICT.search(text) and _ASSESSMENT_ASKED.search(text)):
        return evidence
    kept = [Evidence(0.0, e.reason + " (the review's verdict)") if e.reason in _VERDICT_FORMS else e for e in evidence]
    if not any(e.reason.startswith(JUDGEMENT) for e in kept):
        kept.append(Evidence(0.0, JUDGEMENT + WORK_REVIEW))
    return kept


# Asked to answer a question, with nothing to ground the answer in: the model answers from what it knows.
_ANSWER_ASKED = lazy(r"\banswer\s+(?:the|this|a|each|my|your)\s+(?:user'?s?\s+)?(?:question|query)\b", re.IGNORECASE)
_GROUNDING = lazy(
    r"\b(?:context|documents?|passages?|extracts?|excerpts?|sources?|search\s+results?|snippets?|retrieved"
    r"|knowledge\s+base|observations?|tools?|functions?|apis?|data|references?|materials?|as\s+follows"
    r"|(?:information|text)\s+(?:below|above|provided|given))\b",
    re.IGNORECASE,
)
# ``To answer this question more comprehensively, break it down into sub-questions``: a purpose clause opening the
# sentence; the task asked is what follows it, not the answer
_PURPOSE_ANSWER = lazy(r"(?:^|(?<=[.!?]))[ \t]*(?:in\s+order\s+)?to\s+answer\b", re.IGNORECASE | re.MULTILINE)
OPEN_QUESTION = 'prompt says "answer a question from its own knowledge"'


def open_question_evidence(texts: Iterable[str], evidence: list[Evidence]) -> list[Evidence]:
    """A prompt that asks for a question answered and hands in nothing to answer it from (no context, documents,
    search results or tools) and no closed form for the answer: free question answering, open-ended (CALLSITES.md;
    grounded QA is the judgement call). Left out where the prompt reads closed in any way."""
    text = _PURPOSE_ANSWER.sub(" ", "\n".join(texts))
    if not affirmed(_ANSWER_ASKED, text) or _GROUNDING.search(text):
        return []
    if any(e.weight > 0 and e.reason.startswith(("prompt says", "the task statement")) for e in evidence):
        return []
    return [Evidence(-0.5, OPEN_QUESTION)]


# A listing of the project handed in (``### Repository Structure ###``, ``the file tree below``) and a list of its files
# or folders asked for: the answer names items of that listing.
_LISTING = lazy(
    r"\b(?:repository|repo|project|codebase|directory|folder|file)\s+(?:structure|tree|layout|listing)\b", re.IGNORECASE
)
_ITEMS_ASKED = lazy(
    r"\b(?:provide|return|give|output|list|identify|select|pick|choose)\s+(?:(?:a|the)\s+)?(?:full\s+)?"
    r"(?:list\s+of\s+|(?:at\s+most|up\s+to)\s+\d+\s+)?(?:the\s+)?(?:relevant\s+|irrelevant\s+)?"
    r"(?:files?|folders?|directories|file\s+paths|paths|modules)\s+(?:that|which|to|one|you|relevant|irrelevant|needed)\b",
    re.IGNORECASE,
)
PICK = 'prompt says "pick among listed items"'


def listing_pick_evidence(texts: Iterable[str], evidence: list[Evidence]) -> list[Evidence]:
    """A prompt handing in the project's listing (its file tree) and asking for a list of the files or folders that
    matter (to edit, to ignore): the answer picks items of the listing, a closed answer (CALLSITES.md: picking among
    listed items). Files asked for with no listing given (``list the files you will create``) are new content."""
    text = "\n".join(texts)
    if any(e.reason == PICK for e in evidence) or not _LISTING.search(text) or not affirmed(_ITEMS_ASKED, text):
        return []
    return [Evidence(1.0, PICK)]


# A check's finding about one named item (``Reference {key} not found in refs.bib``, ``Duplicate labels found: {dup}``)
# and the edit asked for it: keep one copy, rename it to match, remove it.
_FINDING = lazy(
    r"\bnot\s+found\s+in\b|\b(?:missing|undefined|unknown)\s+from\b"
    r"|\bduplicated?\s+(?:[\w-]+\s+){0,2}?(?:found|detected)\b",
    re.IGNORECASE,
)
_FIX_ASKED = lazy(
    r"\b(?:ensure|remove|delete|rename|modify|correct|keep\s+(?:only\s+)?one)\b",
    re.IGNORECASE,
)
TARGETED_FIX = "hands a code agent one finding of the program's own check to fix: a targeted edit"


def targeted_fix(agent: list[Evidence], texts: list[str]) -> list[Evidence]:
    """A code agent handed one finding of the program's own check (an item not found where it should be, a duplicate)
    and asked to fix just that: the edit is decided by the finding (rename, keep one copy, remove), not new code or
    prose. Any other text handed to a code agent keeps the code agent's reading."""
    if len(agent) != 1 or "a code agent writes code" not in agent[0].reason:
        return agent
    text = "\n".join(texts)
    if not (affirmed(_FINDING, text) and _FIX_ASKED.search(text)):
        return agent
    return [Evidence(0.9, TARGETED_FIX)]


HISTORY = "conversation history passed in (multi-turn)"
_CLOSED_ON_ITS_OWN = 0.7  # what the rest of the evidence must add up to for the history to be a closed task's input


def history_as_input(evidence: list[Evidence]) -> list[Evidence]:
    """A conversation handed to a task that reads closed on everything else (``compress_rounds(history)``, a router
    picking the next speaker from the dialogue so far) is that task's input, not a conversation to carry on: the
    history then weighs nothing, and the reason says so."""
    if not any(e.reason == HISTORY for e in evidence):
        return evidence
    rest = sum(e.weight for e in evidence if e.reason != HISTORY)
    if rest < _CLOSED_ON_ITS_OWN:
        return evidence
    return [
        Evidence(0.0, "conversation history passed in as the input of a closed task") if e.reason == HISTORY else e
        for e in evidence
    ]


# Asking for the task broken into sub-tasks / sub-goals (not a sub-task the input mentions).
_DECOMPOSE = lazy(
    r"\b(?:divide|break|split|decompose)\s+(?:[\w-]+\s+){0,3}?into\s+(?:[\w-]+\s+){0,2}?"
    # ``break it down into smaller problems that are easier to solve``: the same plan, said without "sub-"
    r"(?:sub-?(?:tasks?|goals?|problems?|steps?)|(?:smaller|simpler|manageable)\s+(?:problems?|tasks?|steps?|goals?))\b",
    re.IGNORECASE,
)


# Asking for a plan to be written (``devise a short bullet-point plan``, ``come up with a new plan``): the plan is the
# answer (a plan handed in is read, ``the plan below``, not devised).
_WRITE_PLAN = lazy(
    r"\b(?:devise|come\s+up\s+with|draft|formulate|work\s+out|write\s+(?:up\s+)?)\s+(?:an?|the|your|our)\s+"
    r"(?:[\w-]+\s+){0,3}?plan\b",
    re.IGNORECASE,
)


def free_plan_evidence(texts: Iterable[str], structured: bool, evidence: list[Evidence]) -> list[Evidence]:
    """A prompt asking for the task broken into sub-tasks, or for a plan to be devised, with no fixed schema (no
    structured output, no JSON asked for): a free-form plan, open-ended (CALLSITES.md); in a fixed schema it is the
    judgement call of ``judgement_cues``. Left out where the prompt already reads as free-form planning."""
    text = "\n".join(texts)
    if structured or _JSON_WORD.search(text) or not (affirmed(_DECOMPOSE, text) or affirmed(_WRITE_PLAN, text)):
        return []
    if any(e.reason == 'prompt says "free-form planning"' for e in evidence):
        return []
    return [Evidence(-0.8, 'prompt says "free-form planning"')]


_CARRIER_PARSES = frozenset(_CONSUMERS[k][1] for k in ("json.loads", "regex", "marker-split", "label-set"))
_CODE_FORM = frozenset(f'prompt says "{why}"' for why in ("answer with only", "reformat", "bounded length"))
_STEP_METHOD = lazy(r"^_*(?:a?step|step_stream|run_step|a?step_\w+|a?run)$")


def calls_closed_task(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> bool:
    """A wrapper-call whose called wrapper's own name reads as a closed task (``summarize_history``), as weighed."""
    if site.site != SiteKind.WRAPPER_CALL or not site.target:
        return False
    wrapper = graph.get(site.target)
    called = wrapper.function if isinstance(wrapper, LLMCall) else site.target.split("@", 1)[0].removeprefix("llm:")
    called = called.rsplit(".", 1)[-1]
    return any(e.weight > 0 and e.reason.startswith(f"named `{called}`: a closed task") for e in evidence)


def own_step_evidence(site: LLMCall, evidence: list[Evidence], unread: bool = False) -> list[Evidence]:
    """A call an agent class's own step method makes with the conversation so far (``ToolCallingAgent._step_stream``
    sending the memory as messages): one step of an agent loop, an open task. ``unread``: the prompt has no text of
    its own anywhere it was followed (the messages are assembled at run time from the agent's state), which in a
    step method is the same step."""
    if site.site == SiteKind.WRAPPER or "." not in site.function:
        return []
    owner, method = site.function.rsplit(".", 1)
    if not (_AGENT_CLASS.search(owner.rsplit(".", 1)[-1]) and _STEP_METHOD.match(method)):
        return []
    if any(e.reason.startswith("conversation history passed in") for e in evidence):
        return [Evidence(-0.9, f"made in `{site.function}` with the conversation so far: an agent loop step")]
    if unread and not any(e.weight for e in evidence):
        return [Evidence(-0.9, f"made in `{site.function}` with messages built at run time: an agent loop step")]
    return []


# What a person reads in the names around the call: the function making it, the prompt variables, the template file
# (``WritePRD._is_related``, ``summarize_prompt``, ``generate_event_triple_v1.txt``). A hint the prompt outweighs.
_NAME_NARROW = frozenset(
    [
        "classify",
        "classifier",
        "classification",
        "categorize",
        "categorise",
        "category",
        "extract",
        "extractor",
        "extraction",
        "parse",
        "parser",
        "detect",
        "detector",
        "rank",
        "ranker",
        "rerank",
        "ranking",
        "score",
        "scorer",
        "scoring",
        "rate",
        "rating",
        "grade",
        "grader",
        "select",
        "selector",
        "choose",
        "pick",
        "filter",
        "summarize",
        "summarise",
        "summary",
        "summarizer",
        "summarization",
        "compress",
        "compression",
        "compact",
        "compaction",
        "condense",
        "translate",
        "translator",
        "rephrase",
        "reformulate",
        "reformulator",
        "query",
        "queries",
        "sql",  # one query in a formal language for the question and the schema given (``generate_sql``)
        "keyword",
        "keywords",
        "route",
        "router",
        "routing",
        "intent",
        "label",
        "labels",
        "vote",
        "decide",
        "decision",
        "triple",
        "triples",
        "emoji",
        "emojis",
        "relevance",
        "relevant",
        "repair",
        "reformat",
        "format",
        "tag",
        "tagger",
        "sentiment",
        "language",
    ]
)
_NAME_OPEN = frozenset(
    [
        "code",
        "coding",
        "prd",
        "trd",
        "design",
        "report",
        "essay",
        "article",
        "story",
        "stories",
        "tutorial",
        "chapter",
        "novel",
        "poem",
        "convo",
        "conversation",
        "chat",
        "talk",
        "dialogue",
        "dialog",
        "brainstorm",
        "implement",
        "engineer",
        "programmer",
        "caption",
        "blog",
    ]
)
# Verbs of a closed task: in a name they say what is done to the nouns around them (``chat_summarize``: a summary).
_NAME_NARROW_VERBS = frozenset(
    (
        *("classify", "categorize", "categorise", "extract", "parse", "detect", "rank", "rerank", "score", "rate"),
        *("grade", "select", "choose", "pick", "filter", "summarize", "summarise", "compress", "compact", "condense"),
        *("translate", "rephrase", "reformulate", "route", "vote", "decide", "repair", "reformat", "format", "tag"),
    )
)
_NAME_TRANSPORT = frozenset(
    ["chat", "talk", "completion", "completions", "generate", "call", "request", "llm", "query", "ask", "invoke"]
)
_NAME_FIX = frozenset(["fix", "fixes", "fixer", "fixing", "correct", "correction"])
_NAME_FORMAT = frozenset(["json", "yaml", "xml", "csv", "schema", "args", "arguments"])
_NAME_CARRIER = frozenset(["agent", "assistant", "model", "client", "llm", "bot"])  # what a class is, not its task
_NAME_CODE = frozenset(["code", "coding", "implement", "engineer", "programmer"])
# Verbs that take code as what they read, not what they write (``annotate_code``, ``review_code``, ``explain_code``)
_NAME_READS = frozenset(
    ["annotate", "explain", "review", "analyze", "analyse", "describe", "comment", "read", "inspect", "audit", "lint"]
)
# A name opening with a check (``test_chat``, ``smoke_completion``): the words after it name the API tried, no task
_NAME_CHECK = frozenset(["test", "smoke", "ping"])
_NAME_PREDICATE = frozenset(["is", "has", "should", "can", "does", "needs"])  # ``_is_related``: a yes/no question
_NAME_SPLIT = lazy(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PROMPT_VAR = lazy(r"prompt|template|instruction|system", re.IGNORECASE)


def _unasync(word: str) -> str:
    """``aformat`` / ``asummarize``: the async twin's name says what the plain one says."""
    rest = word[1:]
    if word.startswith("a") and len(rest) > 3 and (rest in _NAME_NARROW or rest in _NAME_OPEN):
        return rest
    return word


_NAME_INPUT = frozenset(
    ["on", "of", "from", "about", "for", "with", "given"]
)  # ``memo_on_convo``: what follows is the input


def _singular(word: str) -> str:
    """``extracts`` / ``summaries``: a plural names what its singular names (when only the singular is a cue); so does
    the ``-ing`` form of a verb (``_memory_summarizing``, ``classifying``)."""
    known = _NAME_NARROW | _NAME_OPEN | _NAME_NARROW_VERBS
    if word in known or len(word) < 5:
        return word
    if word.endswith("ing"):
        stem = word[:-3]
        for base in (stem + "e", stem, stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
            if base in _NAME_NARROW_VERBS:
                return base
        return word
    if not word.endswith("s"):
        return word
    for stem in (word[:-3] + "y" if word.endswith("ies") else "", word[:-2] if word.endswith("es") else "", word[:-1]):
        if stem in known:
            return stem
    return word


def _name_words(name: str) -> list[str]:
    words = [_singular(_unasync(w.lower())) for w in _NAME_SPLIT.findall(name)]
    cut = next((i for i, w in enumerate(words) if i and w in _NAME_INPUT), len(words))
    return words[:cut]


# A framework task reported at a call of a chain's run method (``self.summary_chain.invoke(...)``) is asked by the
# function making that call, which names it like any caller; a task declared elsewhere (a crew task, a graph node, a
# served agent) sits in the function that builds it.
_CHAIN_RUNS = frozenset(
    {"invoke", "ainvoke", "batch", "abatch", "stream", "astream", "predict", "apredict", "__call__", "run", "arun"}
    | {"acall", "apply", "aapply", "combine_docs", "acombine_docs"}
)


def name_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """Hints from names: the function making the call, prompt variables (``summarize_prompt``), the template file."""
    names: list[str] = []
    called = ""
    if site.site == SiteKind.WRAPPER_CALL and site.target:
        # the wrapper called says what the call does (``compress_rounds``, ``extract_keywords``); its class is only
        # where it lives, and a name of the transport (``chat``, ``ask``, ``query``) says nothing
        wrapper = graph.get(site.target)
        called = wrapper.function if isinstance(wrapper, LLMCall) else site.target.split("@", 1)[0].removeprefix("llm:")
        called = called.rsplit(".", 1)[-1]
        if set(_name_words(called)) & _NAME_TRANSPORT:
            called = ""
        else:
            names.append(called)
    declared = site.site == SiteKind.FRAMEWORK_TASK and site.api not in _CHAIN_RUNS
    if site.function and site.function != "<module>" and not declared:
        # a config agent's "function" is its file, not a task name; a method handing an agent of another class its
        # turn (``DecisionMaker.astep`` running ``agent.astep(...)``) is named for what it orchestrates, not for that
        # turn: only the method's own name is read
        runs_agent = site.site == SiteKind.WRAPPER_CALL and _runs_agent_loop(graph, site)
        names.append(site.function.rsplit(".", 1)[-1] if runs_agent else site.function)
    prompt = graph.prompt_of(site.id)
    if prompt is not None:
        if prompt.template_file:
            names.append(prompt.template_file.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        for m in prompt.messages:
            for p in m.parts:
                if p.hole and _PROMPT_VAR.search(p.text) and re.fullmatch(r"[\w.]+", p.text):
                    names.append(p.text.rsplit(".", 1)[-1])
    out: list[Evidence] = []
    narrow = open_ = None
    open_cue = ""
    for name in dict.fromkeys(names):
        # the method's own name first, then its class; a closure's enclosing function (``make_app.<locals>.reply``)
        # only built it and says nothing of what it asks
        for part in reversed(name.rsplit("<locals>.", 1)[-1].split(".")):
            words = _name_words(part)
            if words in (["parse"], ["parser"], ["format"]):
                continue  # a bare ``parse`` / ``format`` method names no input: an object's usual step, no task
            if words and words[0] in _NAME_CHECK:
                continue  # ``test_chat`` / ``ping_completion``: a check that the API answers, not the task it names
            # the first word that says anything decides (``summarize_chat``: a summary, ``write_code``: code); in a
            # class's name a verb still comes first, then its head noun, which English puts last (``ChatRouter``)
            nouns = list(enumerate(words))
            if part[:1].isupper():
                nouns.reverse()
                # an agent or model class named for how it reaches the model (``ChatAgent``, ``DocChatAgent``,
                # ``ChatModel``) says nothing of the task its methods ask: every agent of such a framework is one
                if words and words[-1] in _NAME_CARRIER:
                    nouns = [(i, w) for i, w in nouns if w not in _NAME_TRANSPORT]
            if words and all(w in _NAME_TRANSPORT and w not in _NAME_OPEN for w in words):
                continue  # ``query`` / ``ask`` alone: how the method reaches the model, not its task (``chat``,
                # ``chat_with_tools``, still names a conversation)
            # fixing a format (``dynamic_json_fixes``, ``fix_yaml``) is a repair of given text; fixing code is not:
            # ``code_repair`` / ``repair_code`` writes the program again (the code word decides, not the repair verb)
            repair = set(words) & _NAME_FIX and set(words) & _NAME_FORMAT
            mending = set(words) & (_NAME_FIX | {"repair", "repairs", "repairing"})
            code_fix = next((w for w in words if w in _NAME_CODE), None) if mending and not repair else None
            cue = (
                ("repair" if repair else None)
                or code_fix
                or next((w for w in words if w in _NAME_NARROW_VERBS), None)
                or next(
                    (
                        w
                        for i, w in nouns
                        if (w in _NAME_NARROW or w in _NAME_OPEN or (i == 0 and w in _NAME_PREDICATE))
                        # code (or a query) read, not written: ``review_code``, ``explain_sql``
                        and not (w in _NAME_CODE | {"sql"} and i and words[i - 1] in _NAME_READS)
                        # ``_handle_direct_llm_query``: a query *to the model* names the transport, not a search
                        # query the model writes (``search_query``, ``rewrite_query`` keep the hint)
                        and not (w in _NAME_TRANSPORT and i and words[i - 1] in _NAME_TRANSPORT | _NAME_CARRIER)
                    ),
                    None,
                )
            )
            if cue is None:
                continue
            if cue in _NAME_OPEN and cue not in _NAME_NARROW:
                if open_ is None:
                    open_, open_cue = name, cue
            else:
                narrow = narrow or name
            break
        if called and name == called and (narrow or open_):
            break  # the wrapper's own name decides over the caller's and the prompt variables'
    if narrow and not open_:
        out.append(Evidence(0.7, f"named `{narrow}`: a closed task"))
    elif open_ and not narrow:
        what = "writes code" if open_cue in _NAME_CODE else "writes new content"
        out.append(Evidence(-0.7, f"named `{open_}`: {what}"))
    return out


# Words of a tool's name that say nothing of what it does (``get_weather_tool``: ``weather``)
_TOOL_NAME_FILLER = frozenset({"tool", "tools", "get", "fn", "func", "function", "run", "do", "sync", "async", "as"})
# ``call the tool``, ``using the search tool``: one tool ordered by the task (not ``the tools``, an open set)
_THE_TOOL = lazy(r"\b(?:call|use|using|invoke|with)\s+(?:the|this|that|your)\s+(?:[\w-]+\s+){0,2}?tool\b(?!s)", re.I)
NAMED_TOOL = "its task names the tool it is given"


def declared_tools(site: LLMCall) -> list[str]:
    """The names of the tools a run's agent is given: ``site.tools``, else the items of a literal ``tools=[...]``
    option (``search``, ``WebSearchTool()``, ``agent.as_tool(tool_name="translate_text")``); [] when not a list."""
    if site.tools:
        return list(site.tools)
    value = site.options.get("tools")
    if not isinstance(value, str):
        return []
    try:
        node = ast.parse(value.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return []
    if not isinstance(node, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in node.elts):
        return []
    names = []
    for e in node.elts:
        if isinstance(e, ast.Call):
            named = [
                k.value.value
                for k in e.keywords
                if k.arg in ("tool_name", "name")
                and isinstance(k.value, ast.Constant)
                and isinstance(k.value.value, str)
            ]
            e = e.func if not named else e
            if named:
                names.append(named[0])
                continue
        if isinstance(e, ast.Attribute):
            e = e.value if e.attr in ("as_tool", "as_function_tool") else e
        names.append(e.id if isinstance(e, ast.Name) else e.attr if isinstance(e, ast.Attribute) else "?")
    return names


def _tool_named(tool: str, text: str) -> bool:
    """The text orders the tool called by name: ``call the publish_announcement tool``, ``using the publish
    announcement tool`` (the words of its name before ``tool``)."""
    words = [w for w in _name_words(tool) if w not in _TOOL_NAME_FILLER]
    names = [re.escape(tool)] + ([r"[\s_-]+".join(map(re.escape, words))] if words else [])
    order = rf"\b(?:call|use|using|invoke)\s+(?:the\s+|your\s+)?(?:{'|'.join(names)})(?:\s+tool\b|\b(?=\s+tool))"
    return bool(re.search(order, text, re.IGNORECASE))


# The tool answers a question, or the agent asks the person for what it needs: grounded QA or a dialogue
# (CALLSITES.md: unclear / open), not one call's arguments filled from the request
_NOT_ONE_CALL = lazy(
    r"\bto\s+answer\b|\banswer\s+(?:the|their|a)\s+question|(?<!not\s)\bask\s+(?:the\s+)?(?:user|customer|caller|person|them)\b",
    re.I,
)


def named_tool_evidence(
    site: LLMCall, agent: list[Evidence], texts: list[str], evidence: list[Evidence]
) -> list[Evidence]:
    """An agent run over one or two tools whose task names the tool (or the thing it makes) and asks nothing open of
    its own (``Search for 'X' using the search tool and return the results``, ``call the publish_announcement tool``):
    the loop's step is that tool's call, the model fills its arguments from the request (CALLSITES.md: tool-argument
    filling). An open goal over the tools (``research X``, ``write a report``, a conversation) stays the loop."""
    if not agent or agent[0].weight >= 0 or ": an agent loop over tools" not in agent[0].reason:
        return []
    tools = declared_tools(site)
    if not 1 <= len(tools) <= 2:
        return []
    if any(e.weight < 0 and e.reason.startswith("prompt says") for e in evidence):
        return []  # the prompt asks for something open beside the tool (research, writing, a conversation)
    text = "\n".join(t for t in texts if t)
    if _NOT_ONE_CALL.search(text):
        return []
    named = [t for t in tools if _tool_named(t, text)]
    if not named and len(tools) == 1 and _THE_TOOL.search(text):
        named = tools
    if not named:
        return []
    return [Evidence(1.8, f"{NAMED_TOOL} (`{named[0]}`): tool-argument filling")]


CLOSED_TOOLS = "an agent loop over a closed set of named tools"
# Tools that open what a loop can do whatever its instructions say: the web (search, browsing, pages by URL), code or
# commands run, a computer or file system driven, another server's tool set (MCP)
_OPEN_TOOL = lazy(
    r"search|serp|web|brows|crawl|scrap|url|http|code|python|shell|bash|terminal|command|exec|computer|interpreter"
    r"|sql|mcp|file|spawn|delegate",
    re.IGNORECASE,
)
# A toolkit class (``SerpApiTools``, ``FileToolkit``): a set of tools under one name, not one function
_TOOLKIT = lazy(r"(?:Tools|Toolkit|_tools|_toolkit)$")
# A person talking turn after turn, or a history of turns handed in: the loop is a conversation, its tools or not
_TALK = frozenset({SESSION, CHAT_UI, LIVE_SESSION, HISTORY})


def closed_tools_evidence(site: LLMCall, agent: list[Evidence], evidence: list[Evidence]) -> list[Evidence]:
    """An agent loop given one or two tools named in a literal list (``tools=[get_weather, get_temperature]``), no
    agents to hand over to, and instructions asking nothing open (no writing, research, conversation): its steps
    pick among those few functions and answer from what they return (a weather assistant over a lookup, a billing
    agent over a status check): action planning over a closed skill set or grounded QA, a judgement call
    (CALLSITES.md: unclear). Not the loop's open steps over an open tool set: tools reaching the web, running code or
    commands, driving a computer, or a conversation with a person stay the loop."""
    if not agent or agent[0].weight >= 0 or ": an agent loop over tools" not in agent[0].reason:
        return []
    tools = declared_tools(site)
    if not 1 <= len(tools) <= 2 or any(
        not t.isidentifier() or _OPEN_TOOL.search(t) or _TOOLKIT.search(t) for t in tools
    ):
        return []
    if any(site.options.get(k) not in (None, "[]", "()", "None") for k in ("handoffs", "sub_agents", "members")):
        return []  # agents it hands the turn to, or a team's members: each its own loop
    opened = [e for e in evidence if e.weight < 0 and e.reason.startswith(("prompt says", "agent loop:"))]
    if opened or any(e.reason in _TALK for e in evidence):
        return []
    return [Evidence(0.0, f"{JUDGEMENT}{CLOSED_TOOLS} ({', '.join(f'`{t}`' for t in tools)})")]


ONE_TOOL_TASK = "its task orders what its agent's one tool does"


def _word_in(word: str, words: list[str]) -> bool:
    """``fix`` in ``fixes``, ``check`` in ``checking``: a word of a tool's name said in a task (a shared stem)."""
    return any(w == word or (len(word) >= 3 and w.startswith(word)) for w in words)


def one_tool_task_evidence(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> list[Evidence]:
    """A framework task whose agent is given one tool and whose description orders what that tool's name says
    (``Check for suspicious patterns`` run by an agent given ``check_patterns``, ``Suggest fixes for the issues`` by
    one given ``suggest_fixes``): the run relays the request to that tool, the model fills its arguments and passes
    its result on (CALLSITES.md: tool-argument filling). Every word of the tool's name that says what it does is in
    the description (all but one for a name of three or more); a task asking something open beside it (research,
    writing) stays open."""
    if site.site != SiteKind.FRAMEWORK_TASK or len(site.tools) != 1:
        return []
    if any(e.weight < 0 and e.reason.startswith("prompt says") for e in evidence):
        return []
    prompt = graph.prompt_of(site.id)
    users = [m for m in prompt.messages if m.role == "user"] if prompt is not None else []
    if not users:
        return []
    said = [_singular(w.lower()) for w in re.findall(r"[A-Za-z]+", users[-1].template())]
    tool = site.tools[0]
    words = [w for w in _name_words(tool) if w not in _TOOL_NAME_FILLER]
    if not words or _NOT_ONE_CALL.search(users[-1].template()):
        return []
    missing = sum(1 for w in words if not _word_in(w, said))
    if missing > (1 if len(words) >= 3 else 0):
        return []
    return [Evidence(1.8, f"{ONE_TOOL_TASK} (`{tool}`): tool-argument filling")]


def _runs_agent_loop(graph: AgentGraph, site: LLMCall) -> bool:
    """Whether a wrapper-call hands an agent loop of another class its turn (what ``agent_evidence`` reads so)."""
    return any(": an agent loop over tools" in e.reason for e in agent_evidence(graph, site))


JUDGEMENT = "prompt reads as a judgement call: "
# The entry points of an agent loop; an agent object called as a function (``agent(message)``: ``__call__``, which
# hands on to ``forward``) is the same loop entered; so is a convenience method taking one input first
# (``listen_and_act(speech)``: ``listen`` then ``act``).
_AGENT_LOOP = lazy(
    r"(?:^|\.|_and_)(?:run|step|act|kickoff\w*|chat|solve|execute_task|invoke|arun|astep|aact|__call__|a?forward)$"
)
# (a role-playing society is agents taking turns: ``society.step(msg)`` runs both of them)
_AGENT_CLASS = lazy(r"agent|crew|assistant|planner|executor|worker|interpreter|role_?playing|society", re.IGNORECASE)
# Classes whose loop entry (``act`` / ``step`` / ``run``) is an agent's turn: the agents above, and a simulated person
# or character (``Person.act()``, ``Character.step()``) acting in its world. (Not used to read a caller as an agent's
# own method: a ``PersonValidator`` interviewing a person is no person.)
_AGENT_OWNER = lazy(_AGENT_CLASS.pattern + r"|person|character", re.IGNORECASE)


def agent_evidence(graph: AgentGraph, site: LLMCall, _depth: int = 0) -> list[Evidence]:
    """A call of an agent loop (``CodeAgent.run``, ``Crew.kickoff``, ``ChatAgent.step``): open steps over tools."""
    framework = _FRAMEWORK_AGENTS.get(site.client or "")
    entered = site.site == SiteKind.REQUEST and framework and (site.api or "") in framework[1]
    # an agent a framework's app serves (``Agent(...)`` handed to the app, or reached only through a team's leader):
    # no run call in the tree, the framework enters its loop with each message
    served = site.site == SiteKind.FRAMEWORK_TASK and framework and (site.api or "").rsplit(".", 1)[-1] in _AGENT_TYPES
    one_call = entered or (served and site.client in _HANDED_OVER)
    if one_call and site.client in _ONE_CALL_WITHOUT_TOOLS and _declared_without_tools(graph, site):
        return []  # an agent declared with instructions and no tools: each run is one model call on them, read them
    # a LangChain agent a server runs (``create_agent(model, tools, system_prompt=...)`` a ``langgraph.json`` graph
    # factory returns): the system prompt heads a loop over the tools, each turn a user's request
    if site.site == SiteKind.FRAMEWORK_TASK and site.client == "langchain" and _LC_AGENT_BUILDER.match(site.api or ""):
        return [Evidence(-0.9, f"runs `{site.api}`: an agent loop over tools")]
    if site.site == SiteKind.FRAMEWORK_TASK and site.client == "langchain" and TOOL_LOOP in site.consumers:
        # the run of a chain a LangChain agent builder made (``initialize_agent(tools, llm).run(q)``,
        # ``AgentExecutor(agent=create_react_agent(...), tools=...).invoke(...)``): the agent's loop over its tools
        entered, framework = True, ("loop", frozenset())
    if entered or served:
        # a framework's agent used as a library (``coder.run(msg)`` on an aider coder): no source of its loop to follow
        what = f"{site.client}.{site.api or '__call__'}" if entered else str(site.api)
        if framework[0] == "code":
            return [Evidence(-1.6, f"runs `{what}`: a code agent writes code")]
        if set(site.consumers) & _DATA_CONSUMERS or structured_output_of(site):
            return [Evidence(-0.5, f"runs `{what}`: an agent loop over tools, its answer parsed as data")]
        return [Evidence(-0.9, f"runs `{what}`: an agent loop over tools")]
    if site.site != SiteKind.WRAPPER_CALL or not site.target:
        return []
    wrapper = graph.get(site.target)
    name = wrapper.function if isinstance(wrapper, LLMCall) else site.target.split("@", 1)[0].removeprefix("llm:")
    owner = name.rsplit(".", 1)[0] if "." in name else ""
    # a coding agent: ``CodeAgent`` anywhere, or the loop entry (``run`` / ``chat``) of a class named a coder
    coder = "coder" in _name_words(owner.rsplit(".", 1)[-1]) and _AGENT_LOOP.search(name)
    if "CodeAgent" in name or "code_agent" in name.lower() or coder:
        return [Evidence(-1.6, f"runs `{name}`: a code agent writes code")]
    caller = site.function.rsplit(".", 1)[0] if "." in site.function else ""
    if (
        caller
        and _AGENT_CLASS.search(caller)
        and (not _AGENT_LOOP.search(site.function) or _task_signature(graph, site) is not None)
    ):
        # one task an agent's own method makes (``SearchAgent.summarize`` calling ``self.step``): read it. An agent's
        # own loop (``forward`` / ``run``) handing the message it got on to an inner agent's loop, with no text of
        # its own, is a turn of that loop.
        return []
    # a loop entry of an agent class, or a wrapper whose own loop runs the tool calls of each answer (whatever the
    # class is called: ``MetaChain.run``, ``Swarm.run``)
    looped = isinstance(wrapper, LLMCall) and TOOL_LOOP in wrapper.consumers and ONE_STEP not in site.consumers
    if looped or (owner and _AGENT_OWNER.search(owner) and _AGENT_LOOP.search(name)):
        # the program reads the loop's answer as data, or the call hands the loop a schema its answer must fit
        # (``agent(msg, structured_model=Verdict)``): a closed sub-task
        if set(site.consumers) & _DATA_CONSUMERS or structured_output_of(site):
            return [Evidence(-0.5, f"runs `{name}`: an agent loop over tools, its answer parsed as data")]
        return [Evidence(-0.9, f"runs `{name}`: an agent loop over tools")]
    if isinstance(wrapper, LLMCall) and wrapper.site == SiteKind.WRAPPER and not _depth:
        # a runner's method handing what it is given on to an agent loop (``run_single_prompt(prompt)`` ->
        # ``self.agent.run(prompt)``): the caller runs that loop
        # (or runs the agent itself: ``await agent.ainvoke(...)`` on a LangChain agent it built)
        inner = [
            s
            for kind in (SiteKind.WRAPPER_CALL, SiteKind.FRAMEWORK_TASK)
            for s in graph.sites(kind)
            if s.function == wrapper.function and s.loc.path == wrapper.loc.path and s.id != site.id
        ]
        loops = [agent_evidence(graph, s, _depth=1) for s in inner]
        if inner and all(e and e[0].weight < 0 for e in loops):
            return [Evidence(-0.9, f"runs `{name}`, which hands it to an agent loop over tools")]
    return []


# Client families whose request is a framework's agent loop entered (slmc/frontend/clients.py): what the loop is, and
# the loop's entry methods. aider's coders edit files (code); a smolagents agent runs steps over its tools.
_FRAMEWORK_AGENTS: dict[str, tuple[str, frozenset[str]]] = {
    "aider": ("code", frozenset({"run", "run_stream", "run_one"})),
    "smolagents": ("loop", frozenset({"run", "", "__call__"})),
    # CAMEL: an agent's step (tool calls until it answers), a role-playing turn, a workforce's task run
    "camel": ("loop", frozenset({"step", "astep", "process_task", "process_task_async"})),
    # an agno ``Agent`` / ``Team`` run (a team's leader hands its members their turns), the OpenAI Agents SDK's
    # ``Runner.run(agent, input)``, a Google ADK runner: each runs its agent's loop over the tools it was given
    "agno": ("loop", frozenset({"run", "arun", "print_response", "aprint_response", "continue_run", "acontinue_run"})),
    "openai-agents": ("loop", frozenset({"run", "run_sync", "run_streamed"})),
    "adk": ("loop", frozenset({"run", "run_async", "run_live"})),
    # a lagent agent called as a function (``agent(message)``, a tool loop's inner ``self.agent(message)``): its step
    # with the prompt it was built with, plugin and interpreter calls among its answers; the model's own ``chat`` /
    # ``stream_chat`` / ``generate`` are plain requests
    "lagent": ("loop", frozenset({"", "__call__"})),
    # a browser-use ``Agent(task=..., llm=...)`` run: steps over the browser's actions until the task is done
    "browser-use": ("loop", frozenset({"run"})),
}
# Frameworks whose agent, given no tools and no other agent to hand over to, answers each run with one model call on
# its instructions (no loop: nothing to call between steps): the OpenAI Agents SDK, whose agents are small single-job
# pieces (a translator, a guardrail check) composed by handoffs and ``as_tool``. (agno's and ADK's apps run whole
# assistants on such agents: their run stays the agent's loop.)
_ONE_CALL_WITHOUT_TOOLS = frozenset({"openai-agents"})


# Frameworks whose served agents are those another agent hands a turn to (the OpenAI Agents SDK's handoffs and
# ``as_tool``): the parent's request, answered by the agent as it was declared. (An agent an app serves to people,
# agno's ``AgentOS``, talks with them.)
_HANDED_OVER = frozenset({"openai-agents"})


HANDED_PERSONA = "an agent handed the conversation, its instructions a persona with no task: it carries on the talk"
# What says a task beside the persona: the prompt's wording either way, a structured answer, an answer checked
_TASK_SAID = ("prompt says", "the task statement", "answer checked", "the answer is a record")


def handed_persona_evidence(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> list[Evidence]:
    """An agent another agent hands the conversation over to (a handoff target), declared with instructions that set
    only who it is (``You only speak French``), no tools, no answer type and no turn of its own: each run answers
    whatever the person said, free conversation. Its short instructions are no probe: the person's turn comes at
    run time."""
    if site.site != SiteKind.FRAMEWORK_TASK or site.client not in _HANDED_OVER:
        return []
    if (site.api or "").rsplit(".", 1)[-1] not in _AGENT_TYPES or not _declared_without_tools(graph, site):
        return []
    prompt = graph.prompt_of(site.id)
    if prompt is None or any(m.role != "system" and m.static_text().strip() for m in prompt.messages):
        return []
    if structured_output_of(site) or site.labels or any(e.reason.startswith(_TASK_SAID) for e in evidence):
        return []
    return [Evidence(-0.9, HANDED_PERSONA)]


def _declared_without_tools(graph: AgentGraph, site: LLMCall) -> bool:
    """The run carries the instructions its agent was constructed with (a system turn) and that construction gives
    the agent no tools and no agents to hand over to (the frontend carries those as the run's tools / options)."""
    prompt = graph.prompt_of(site.id)
    if prompt is None or not any(m.role == "system" and m.static_text().strip() for m in prompt.messages):
        return False
    return not site.tools and not any(k in site.options for k in ("tools", "handoffs", "sub_agents", "members"))


_DATA_CONSUMERS = frozenset(["json.loads", "pydantic", "int", "float", "bool", "label-set"])
# LangChain / LangGraph agent builders (``create_agent``, ``create_react_agent``): the api of a served agent's task
_LC_AGENT_BUILDER = lazy(r"^create_\w*agent$")
# The agent classes of those frameworks an app serves (slmc.frontend.clients.SERVED_AGENTS)
_AGENT_TYPES = frozenset({"Agent", "LlmAgent", "Team"})


MULTI_TASK = "which makes several LLM calls"


def receiver_step(graph: AgentGraph, site: LLMCall) -> LLMCall | None:
    """The LLM site a wrapper-call's receiver's own class holds (``keygen.run(q)`` on a ``GenKeyword`` that
    inherits ``run`` and overrides the step it dispatches to), followed through sub-agents of sub-agents."""
    seen = {site.id}
    cur = site
    while cur.site == SiteKind.WRAPPER_CALL:
        nxt = next((n for n in graph.succs(cur.id, EdgeKind.STEP) if isinstance(n, LLMCall)), None)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        cur = nxt
    return cur if cur is not site else None


def site_evidence(graph: AgentGraph, site: LLMCall, multi_task: set[str] | None = None) -> list[Evidence]:
    """The evidence ``triage_site`` weighs for one site; ``multi_task`` is ``multi_task_wrappers(graph)``."""
    if multi_task is None:
        multi_task = multi_task_wrappers(graph)
    runs = task_run_evidence(graph, site, multi_task)
    if runs:
        return runs
    step = receiver_step(graph, site)
    if step is not None:  # a sub-agent's inherited ``run``: its own step's prompt says what it does, not the base loop
        inner = site_evidence(graph, step, multi_task)
        said = {e.reason for e in inner}
        return inner + [e for e in use_evidence(site) if e.reason not in said]
    if (
        (site.target in multi_task or site.id in multi_task)
        and not agent_evidence(graph, site)
        and not _names_template(graph, site)
    ):
        # an orchestrator; an agent loop (``agent.run``) makes many calls too, but they are one open task. Its prompt
        # is the first inner task's, its answer the orchestrator's: only the names around the call can still hint.
        name = site.target.split("@", 1)[0].removeprefix("llm:") if site.target else site.function
        what = "calls" if site.site == SiteKind.WRAPPER_CALL else "is"
        multi = Evidence(0.0, f"{what} `{name}`, {MULTI_TASK}")
        if site.site != SiteKind.WRAPPER_CALL:
            return [multi]
        return [*name_evidence(graph, site), multi]
    return collect_evidence(graph, site)


def task_run_evidence(graph: AgentGraph, site: LLMCall, multi_task: set[str], _depth: int = 0) -> list[Evidence]:
    """A call running the framework tasks its receiver was built with (``team.start()`` on ``Team(tasks=[research,
    write])``, STEP edges to each task): the run is as open as its most open task, narrow only when each task is."""
    if site.site != SiteKind.WRAPPER_CALL or _depth:
        return []
    tasks = sorted(
        (
            n
            for n in graph.succs(site.id, EdgeKind.STEP)
            if isinstance(n, LLMCall) and n.site == SiteKind.FRAMEWORK_TASK and n.id != site.id
        ),
        key=lambda n: n.loc,
    )
    if not tasks:
        return []
    verdicts = [(t, triage_site(graph, t, multi_task).verdict) for t in tasks]
    n = len(tasks)
    where = ", ".join(f"line {t.loc.line}" for t, _ in verdicts[:4])
    if any(v == Verdict.OPEN_ENDED for _, v in verdicts):
        return [Evidence(-2.0, f"runs {n} framework task{'s' if n != 1 else ''} ({where}), one open-ended")]
    if all(v == Verdict.NARROW for _, v in verdicts):
        return [Evidence(2.0, f"runs {n} framework task{'s' if n != 1 else ''} ({where}), each narrow")]
    return [Evidence(0.0, f"runs {n} framework task{'s' if n != 1 else ''} ({where}), not all narrow")]


def _names_template(graph: AgentGraph, site: LLMCall) -> bool:
    """A wrapper-call whose prompt is a template file the request it reaches does not read itself: the call (or the
    wrapper it calls) picks that template by name (``self.run(prompt_name="Summarize")``), so it is that one task
    however many tasks the wrapper runs for other names."""
    if site.site != SiteKind.WRAPPER_CALL:
        return False
    prompt = graph.prompt_of(site.id)
    if prompt is None or not prompt.template_file:
        return False
    request = graph.request_of(site.id)
    sent = graph.prompt_of(request.id) if request is not None else None
    return sent is None or sent.template_file != prompt.template_file


def triage_site_guarded(graph: AgentGraph, site: LLMCall, multi_task: set[str] | None = None) -> TriageResult:
    """``triage_site`` as one unit: a bug of ours on one site leaves that site unclear, its reason naming the internal
    error (phase, exception, where in slmc), and the other sites are triaged as usual."""
    reasons: list[str] = []
    guard = Guard(lambda path, line, message: reasons.append(message))
    with guard.unit("triage", site):
        return triage_site(graph, site, multi_task)
    return TriageResult(Verdict.UNCLEAR, 0.5, tuple(reasons))


def triage_site(graph: AgentGraph, site: LLMCall, multi_task: set[str] | None = None) -> TriageResult:
    """Triage one site; ``multi_task`` is ``multi_task_wrappers(graph)`` (computed when not given)."""
    evidence = site_evidence(graph, site, multi_task)
    if site.site != SiteKind.WRAPPER_CALL and len(evidence) == 1 and evidence[0].reason.endswith(MULTI_TASK):
        return TriageResult(Verdict.UNCLEAR, 0.5, (evidence[0].reason,))
    return _verdict(evidence)


def rules_total(evidence: list[Evidence]) -> float:
    """The summed weights (log-odds of narrow); judgement-call cues damp the total."""
    total = sum(e.weight for e in evidence)
    if any(e.weight == 0.0 and e.reason.startswith(JUDGEMENT) for e in evidence):
        total *= _UNCLEAR_DAMP  # a judgement call: only strong evidence in one direction survives
    return total


def _verdict(evidence: list[Evidence], cues_found: list[str] | None = None) -> TriageResult:
    """The verdict from summed evidence; judgement-call cues damp the total; reasons strongest first."""
    evidence = evidence + [Evidence(0.0, JUDGEMENT + why) for why in cues_found or ()]
    total = rules_total(evidence)
    cues = [e for e in evidence if e.weight == 0.0 and e.reason.startswith(JUDGEMENT)]
    score = round(1.0 / (1.0 + math.exp(-total)), 3)
    if score >= NARROW_AT:
        verdict = Verdict.NARROW
    elif score <= OPEN_AT:
        verdict = Verdict.OPEN_ENDED
    else:
        verdict = Verdict.UNCLEAR
    ordered = sorted((e for e in evidence if e not in cues), key=lambda e: -abs(e.weight))
    ordered = cues + ordered if verdict == Verdict.UNCLEAR else ordered + cues
    reasons = tuple(dict.fromkeys(e.reason for e in ordered)) or ("no static evidence",)
    return TriageResult(verdict=verdict, score=score, reasons=reasons)


@dataclass(frozen=True)
class Triage(Pass):
    """Set ``LLMCall.triage`` on every site from static evidence."""

    name: ClassVar[str] = "triage"
    summary: ClassVar[str] = "score each LLM call narrow / open-ended / unclear from source evidence"
    requires: ClassVar[tuple[str, ...]] = ("sites",)
    provides: ClassVar[tuple[str, ...]] = ("triage",)

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        multi_task = multi_task_wrappers(graph)
        for site in graph.sites():
            graph.update(site.id, triage=triage_site_guarded(graph, site, multi_task))
        return unit


# The evidence as features for a learned reading (bench/triage_model.py): each reason's kind, the rules' own total
# and a few facts of the prompt. Names and numbers inside a reason are dropped, so a feature is a kind of evidence.
_FEATURE_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (lazy(p), k)
    for p, k in (
        (r'^prompt says "([^"]+)"', r"says:\1"),
        (r'^the task statement says "([^"]+)"', r"task:\1"),
        (r"^prompt reads as a judgement call: (.+)$", r"judge:\1"),
        (r"^named `[^`]*`: a closed task", "name:closed"),
        (r"^named `[^`]*`: writes code", "name:code"),
        (r"^named `[^`]*`: writes new content", "name:open"),
        (r"^schema `[^`]*` holds a short closed answer", "schema:closed"),
        (r"^schema `[^`]*` holds open content", "schema:open"),
        (
            r"^(?:response_format|text_format|output_type|format|response_model|response_schema)=|^output schema ",
            "structured",
        ),
        (r"^offers ", "tools"),
        (r"^tool call forced", "tool-forced"),
        ("^(?:" + "|".join(MAX_TOKEN_OPTIONS) + ")=", "max-tokens"),
        (r"^temperature=", "temperature"),
        (r"^answer checked against \d+ labels", "labels"),
        (r"^runs `[^`]*`: a code agent", "agent:code"),
        (r"^runs `[^`]*`: an agent loop", "agent:loop"),
        (r"^made in `[^`]*` with (?:the conversation so far|messages built at run time)", "agent:step"),
        (MULTI_TASK + "$", "multi-task"),
        (r"^completion fills one field", "field"),
    )
)


def feature_kind(reason: str) -> str:
    """The kind of one evidence reason (``prompt says "extract"`` -> ``says:extract``)."""
    for pattern, kind in _FEATURE_KINDS:
        m = pattern.search(reason)
        if m:
            return m.expand(kind) if "\\" in kind else kind
    return reason


def site_features(graph: AgentGraph, site: LLMCall, evidence: list[Evidence]) -> dict[str, float]:
    """Features of one site for a learned reading: each evidence kind (its weight, 1.0 for a cue without one), the
    rules' damped total and how much of the prompt the frontend could read."""
    out: dict[str, float] = {}
    for e in evidence:
        kind = feature_kind(e.reason)
        out[kind] = out.get(kind, 0.0) + (e.weight if e.weight else 1.0)
    out["rules:total"] = rules_total(evidence)
    request = graph.request_of(site.id) if site.site != SiteKind.REQUEST else site
    texts = prompt_texts(graph, site) + (
        prompt_texts(graph, request) if request is not None and request is not site else []
    )
    chars = len(" ".join(" ".join(texts).split()))
    out["prompt:chars"] = math.log1p(chars) / 8.0
    if chars < _AUTHORED_CHARS:
        out["prompt:unread"] = 1.0
    return out
