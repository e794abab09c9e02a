"""Classify calls (request / framework task / call of a project function) and extract what a request sends."""

from __future__ import annotations

import ast
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from slmc.frontend import clients, templates
from slmc.frontend import syntax as cst
from slmc.frontend.index import CallInfo, Scope, dotted, is_test_path, start_line
from slmc.frontend.resolve import (
    JSON_DUMPS,
    OPTION_NAMES,
    Evaluator,
    Resolved,
    arg,
    called_name,
    run_target,
    tool_names,
)
from slmc.frontend.values import Answer, Class, Client, Const, Function, Instance, Module, Ref, Text
from slmc.ir.nodes import Message, PromptPart, SiteKind, Tool
from slmc.lazyre import lazy


@dataclass
class Site:
    """A call site found in one function (request, framework task, or a call of a project function)."""

    info: CallInfo
    site: SiteKind
    client: str = "unknown"
    api: str = ""
    model: str | None = None
    is_async: bool = False
    stream: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    output_schema: str | None = None
    tools: tuple[str, ...] = ()
    tool_nodes: list[Tool] = field(default_factory=list)
    labels: tuple[str, ...] = ()
    messages: list[Message] = field(default_factory=list)
    template_file: str | None = None
    callee: str | None = None  # project function key (candidate wrapper-call)
    args: list[cst.Arg] = field(default_factory=list)
    passed: str | None = None  # a project function handed to the callee, which calls it (``retry(ask, prompt)``)
    passed_args: list[cst.Arg] = field(default_factory=list)
    handed: bool = False  # the callee is the function this call hands to a higher-order one (``retry(ask, ...)``)
    # the arguments the SDK method is called with when this request hands it to a helper that calls it
    # (``self._with_retry(litellm.completion, **params)``: ``**params``, not the method itself); None otherwise
    sent_args: list[cst.Arg] | None = None
    declared: bool = False  # the prompt is declared on the framework object called (a DSPy Signature), not forwarded
    # the same-named methods of the other classes the receiver attribute may hold (``self.grounder.act(...)`` where
    # ``__init__`` builds one of two unrelated classes): the call reaches each of them too
    alternatives: tuple[str, ...] = ()
    # a docstring task (``@ai_task()`` on a def): the decorator's replacement function that runs the def as a model
    # task; the site stands only where that function reaches a model
    runner: str | None = None
    # where the site is reported when that is not the call itself: the composition of a model runnable that a graph
    # builder's ``add_node`` is handed (``agent = prompt | llm`` a few lines above the call)
    at: cst.CSTNode | None = None
    # an agent built for a server to run (a ``langgraph.json`` graph): the functions building it run no model call
    served: bool = False
    # the run of a LangChain agent (a chain an agent builder made): the agent's loop over its tools
    agent_loop: bool = False

    def __post_init__(self) -> None:
        self.key: int = id(self.info.node)  # asked hundreds of thousands of times; a site's call never changes


def _subclass_declared_text(ev: Evaluator, call: cst.Call, scope: Scope, callee: str) -> str | None:
    """The prompt text a subclass declares for the machinery it inherits: ``obj.generate(...)`` on an instance of a
    class whose base (where ``generate`` is defined) only annotates a class attribute (``instruction: str``) that the
    subclass, or a class between them, sets to a literal text of its own (``instruction = "Fix the output ..."``)."""
    if not isinstance(call.func, cst.Attribute):
        return None
    receiver = ev.value(call.func.value, scope)
    fn = ev.scopes.get(callee)
    owner = fn.enclosing_class() if fn is not None else None
    if not isinstance(receiver, Instance) or owner is None or receiver.cls == owner.key:
        return None
    if not ev.derives(receiver.cls, owner.key):
        return None
    declared: set[str] = set()  # annotated on the owner or its bases, no value there
    todo, seen = [owner.key], set()
    while todo and len(seen) < 20:
        key = todo.pop()
        cls = ev.scopes.get(key)
        if key in seen or cls is None:
            continue
        seen.add(key)
        declared |= {n for n in cls.annotations if all(b[0] == "annot" for b in cls.bindings.get(n, ()))}
        todo.extend(ev.bases_of(key))
    if not declared:
        return None
    todo, seen = [receiver.cls], set()
    while todo and len(seen) < 20:
        key = todo.pop()
        cls = ev.scopes.get(key)
        if key in seen or key == owner.key or cls is None:
            continue
        seen.add(key)
        for name in sorted(declared):
            for b in cls.bindings.get(name, ()):
                text = ev.static_str(b[1], cls) if b[0] == "expr" else None
                if text is not None and len(text.strip()) >= 40:
                    return text.strip()
        todo.extend(ev.bases_of(key))
    return None


def _model_call_handler(call: cst.Call, scope: Scope) -> bool:
    """``await handler(request)`` in a LangChain agent middleware's model-call hook (a method ``wrap_model_call(self,
    request, handler)``): the handler the framework passes in runs the model call, a request. So does the handler
    wherever the hook takes it: called in a lambda or a local function of the hook (``lambda req: handler(...)``),
    handed on to a helper or to the base class's hook (``self._bounded_call(request, handler)``,
    ``super().awrap_model_call(request, augmented)`` with a local function calling it; that call runs the model),
    and called as the helper's parameter it was handed to (``def _bounded_call(self, request, handler)``)."""
    if not isinstance(call.func, cst.Name | cst.Attribute) or scope.kind != "function":
        return False
    hook = _enclosing_hook(scope)
    if hook is not None:
        hook_scope, handler = hook
        if isinstance(call.func, cst.Name) and call.func.value == handler:
            return True
        return any(_hands_handler(a.value, hook_scope, handler) for a in call.args if not a.star)
    return isinstance(call.func, cst.Name) and _handed_hook_handler(call.func.value, scope)


def _hook_handler_name(scope: Scope) -> str | None:
    """The handler parameter's name of a model-call hook method (``handler``, else the third of three)."""
    if scope.kind != "function" or scope.name not in clients.MODEL_CALL_HOOKS or scope.enclosing_class() is None:
        return None
    names = [p.name.value for p in scope.params]
    if "handler" in names:
        return "handler"
    return names[2] if len(names) == 3 else None


def _enclosing_hook(scope: Scope) -> tuple[Scope, str] | None:
    """The model-call hook ``scope`` is, or is nested in (a lambda or local function of it that does not rebind the
    handler's name), with the handler's name."""
    inner: list[Scope] = []
    s: Scope | None = scope
    while s is not None and s.kind == "function":
        handler = _hook_handler_name(s)
        if handler is not None:
            shadowed = any(handler in {p.name.value for p in i.params} or handler in i.bindings for i in inner)
            return None if shadowed else (s, handler)
        inner.append(s)
        s = s.parent
    return None


def _hands_handler(expr: cst.BaseExpression, hook: Scope, handler: str) -> bool:
    """An argument that hands the hook's handler on: its name, or a local function of the hook that calls it."""
    if not isinstance(expr, cst.Name):
        return False
    if expr.value == handler:
        return True
    for b in hook.bindings.get(expr.value, ())[:4]:
        local = b[1] if b[0] == "def" else None
        if isinstance(local, Scope) and local.parent is hook and _calls_name(local.node, handler):
            return True
    return False


def _calls_name(node: cst.CSTNode, name: str) -> bool:
    found = False

    class _Find(cst.CSTVisitor):
        def visit_Call(self, c: cst.Call) -> None:
            nonlocal found
            if isinstance(c.func, cst.Name) and c.func.value == name:
                found = True

    node.visit(_Find())
    return found


def _handed_hook_handler(name: str, scope: Scope) -> bool:
    """``name`` is a parameter of a method that a model-call hook of its class calls with its handler in that
    parameter's place (``self.<method>(request, handler)`` or by keyword)."""
    owner = scope.enclosing_class()
    params = [p.name.value for p in scope.params]
    if owner is None or name not in params:
        return False
    at = params.index(name) - 1  # after ``self``
    method = scope.name
    for node in _class_methods(owner):
        if node.name.value not in clients.MODEL_CALL_HOOKS:
            continue
        hook_params = [p.name.value for p in node.params.params]
        handler = "handler" if "handler" in hook_params else (hook_params[2] if len(hook_params) == 3 else None)
        if handler is None:
            continue
        for c in _self_calls(node, method):
            args = [a for a in c.args if not a.star]
            for i, a in enumerate(args):
                if not (isinstance(a.value, cst.Name) and a.value.value == handler):
                    continue
                if (a.keyword is None and i == at) or (a.keyword is not None and a.keyword.value == name):
                    return True
    return False


def _class_methods(owner: Scope) -> list[cst.FunctionDef]:
    body = getattr(owner.node, "body", None)
    stmts = getattr(body, "body", ()) or ()
    return [s for s in stmts if isinstance(s, cst.FunctionDef)]


def _self_calls(node: cst.FunctionDef, method: str) -> list[cst.Call]:
    out: list[cst.Call] = []

    class _Find(cst.CSTVisitor):
        def visit_Call(self, c: cst.Call) -> None:
            f = c.func
            if (
                isinstance(f, cst.Attribute)
                and f.attr.value == method
                and isinstance(f.value, cst.Name)
                and f.value.value in ("self", "cls")
            ):
                out.append(c)

    node.visit(_Find())
    return out


def _returns_closure(ev: Evaluator, key: str) -> bool:
    """A decorator factory of the tree (``def safe(fn): def run(*a): return fn(*a) ... return run``): it calls what it
    is given only inside the function it returns, so calling the factory wraps, and runs nothing."""
    return ev.returns_closure(key)


def _redecorates(info: CallInfo, others: list[cst.Arg]) -> bool:
    """Whether the call stores its result back into the very name or attribute it hands over as the function
    (``f = retry(f)``, ``self.ask = cached(store)(self.ask)``): a decoration in place, no call of the function."""
    stmt = info.statement
    if not isinstance(stmt, cst.Assign) or len(stmt.targets) != 1 or stmt.value is not info.node:
        return False
    target = dotted(stmt.targets[0].target)
    handed = [dotted(a.value) for a in info.node.args if a not in others and not a.star]
    return target is not None and handed == [target]


def _accepts(ev: Evaluator, fn_key: str, names: tuple[str, ...]) -> bool:
    """Whether the function takes a parameter of one of ``names``."""
    fn = ev.scopes.get(fn_key)
    return fn is not None and any(p.name.value in names for p in fn.params)


def _declares_prompt_field(ev: Evaluator, cls_key: str) -> bool:
    """Whether a class of the tree is declared with an agent's prompt field (``instructions``, ``system_prompt``):
    a class-level field (a dataclass's) or a parameter of its ``__init__``."""
    cls = ev.scopes.get(cls_key)
    if cls is None:
        return False
    fields = set(cls.bindings) | set(cls.annotations)
    if fields & set(_AGENT_PROMPT_FIELDS):
        return True
    init = ev.member(cls_key, "__init__", True)
    return isinstance(init, Function) and _accepts(ev, init.key, _AGENT_PROMPT_FIELDS)


def _own_framework_run(ev: Evaluator, call: cst.Call, scope: Scope, callee: str) -> Client | None:
    """``agent.run(prompt)`` where ``agent`` is an instance of a class of the tree that the client catalog knows as a
    framework entry by its public name (the framework's own repository: its examples run ``pydantic_ai.Agent``, whose
    run goes through a graph engine no call chain follows). The run is that framework's wrapper, as it is for an
    installed framework; the catalog's run methods only, called from outside the framework's own top-level package
    (its examples, scripts and docs; inside the package the tree's own chains are followed)."""
    if not isinstance(call.func, cst.Attribute) or is_test_path(scope.module.path):
        return None  # (a framework's tests run its agents on test models)
    receiver = ev.value(call.func.value, scope)
    if isinstance(receiver, Class):  # ``Runner.run(agent, q)``: a class method of the runner class itself
        receiver = Instance(receiver.key)
    if not isinstance(receiver, Instance):
        return None
    if receiver.cls.partition(":")[0].split(".", 1)[0] == scope.module.name.split(".", 1)[0]:
        return None  # the framework's own package calling its own class: its call chains are the tree's to follow
    kind = ev.own_framework_entry(receiver.cls)
    method = call.func.attr.value
    if kind is None or method not in clients.REQUEST_PATHS.get(kind.kind, {}):
        return None
    names = clients.FRAMEWORK_MESSAGE_ARGS.get(kind.kind)
    if names and not _accepts(ev, callee, names):
        return None  # a class of the tree under the framework's name that takes no message (``Runner.run(name)``)
    return Client(kind.family, kind.kind, (method,), is_async=kind.is_async)


def classify(ev: Evaluator, info: CallInfo) -> Site | None:
    """What a call is: an LLM request, a framework task, a call of a project function (candidate), or nothing."""
    scope, call = info.scope, info.node
    node_task = _graph_node_task(ev, info)
    if node_task is not None:
        return node_task
    doc_task = _docstring_task(ev, info)
    if doc_task is not None:
        return doc_task
    if _model_call_handler(call, scope):
        return Site(info, SiteKind.WRAPPER_CALL, client="langchain", api="wrap_model_call")
    helper: str | None = None
    resolved = ev.resolve_call(call, scope)
    callee = resolved.callee
    if isinstance(callee, Instance):  # obj(...) runs type(obj).__call__
        callee = ev.member(callee.cls, "__call__", True)
    own = _own_framework_run(ev, call, scope, callee.key) if isinstance(callee, Function) else None
    if own is not None:  # ``agent.run(q)`` on the framework's own ``Agent`` inside the framework's repository
        callee = own
        resolved = Resolved(own, resolved.args, resolved.bound)
    if isinstance(callee, Function):
        passed = ev.passed_callable(callee.key, call, scope)  # retryer(client.chat.completions.create, **kw)
        if passed is not None and _redecorates(info, passed[1]):
            return None  # ``self.ask = cached(backend)(self.ask)``: the function wrapped and stored back, not run
        if passed is not None and isinstance(passed[0], Function) and _returns_closure(ev, callee.key):
            return None  # ``tools = [safe(search)]``: a wrapped function handed back, run by whoever calls it
        if passed is not None and isinstance(passed[0], Function):  # the callee or what it is given reaches a model
            site = Site(info, SiteKind.WRAPPER_CALL, callee=callee.key, args=resolved.args)
            site.passed, site.passed_args = passed[0].key, passed[1]
            return site
        if passed is not None and isinstance(passed[0], Client) and not passed[0].path:
            # a whole callable client (``run_agent(question, selector)``, its ``agent(...)`` inside): the call of the
            # parameter in there is the request, this one a call of the function like any other (CALLSITES.md 5)
            ev.client_params.setdefault(callee.key, passed[0])
            passed = None
        if passed is not None and isinstance(passed[0], Client):
            helper = callee.key  # its ``call(*args)`` sends what callers hand over, when that is a request
            resolved = Resolved(passed[0], passed[1])
            callee = passed[0]
        else:
            site = Site(info, SiteKind.WRAPPER_CALL, callee=callee.key, args=resolved.args)
            site.alternatives = _alternatives(ev, call, scope, callee.key)
            family = ev.family_alternatives.get(callee.key, ())
            if family and not _names_directly(ev, call.func, callee.key, scope):
                site.alternatives = tuple(dict.fromkeys((*site.alternatives, *family)))
            table = ev.table_alternatives.get(callee.key, ())
            if table and not _spells_name(call.func, callee.key):
                site.alternatives = tuple(dict.fromkeys((*site.alternatives, *table)))
            declared = _subclass_declared_text(ev, call, scope, callee.key)
            if declared:  # ``fix_format.generate(llm=llm, data=...)``: the prompt is the subclass's instruction
                site.declared = True
                site.messages = [Message("system", (PromptPart(declared),), origin="constant")]
            return site
    if isinstance(callee, Class):  # Agent(...) runs __init__; a call of a class with __call__ is rare: skip
        served = _own_served_agent(ev, callee.key, info)
        if served is not None:  # the framework's own repository: its examples hand its agent class over
            return _served_agent_site(ev, info, served)
        ev.constructions.setdefault(callee.key, []).append(info)  # what the constructor is given (injection)
        return None
    client = callee if isinstance(callee, Client) else None
    if client is not None:
        client = _instructor_request(client, call)
    if isinstance(callee, Ref) and callee.qname in clients.SERVED_AGENTS and _served_agent(ev, info):
        return _served_agent_site(ev, info, callee.qname)
    if (
        isinstance(callee, Ref)
        and clients.langchain_agent_builder(callee.qname)
        and id(call) in ev.served_graph_calls()
    ):
        # ``return create_agent(model=..., tools=..., system_prompt=...)`` in the graph factory a ``langgraph.json``
        # serves: LangGraph's server runs the agent, with no call expression of the tree's in sight
        site = Site(info, SiteKind.FRAMEWORK_TASK, client="langchain", api=callee.qname.rsplit(".", 1)[-1])
        site.served = True
        text = _fields_text(ev, call, scope, ("system_prompt", "prompt"))
        site.messages = [_message("system", text)] if text is not None else []
        return site
    if isinstance(callee, Ref) and callee.qname in clients.FRAMEWORK_TASKS:  # crewAI Task(...)
        site = Site(info, SiteKind.FRAMEWORK_TASK, client=callee.qname.split(".", 1)[0], api=callee.qname)
        site.messages = _framework_task_prompt(ev, call, scope)
        return site
    if isinstance(callee, Ref):
        client = ev.module_client(callee.qname)
        if client is None and callee.qname in clients.HTTP_FUNCTIONS:
            client = Client("http", "http", (callee.qname.rsplit(".", 1)[-1],))
        if client is None and _library_http_helper(ev, callee.qname, call, scope):
            client = Client("http", "http", ("post",))
    if client is None and callee is None and (inherited := _framework_transport(ev, call, scope)) is not None:
        return Site(info, SiteKind.REQUEST, client=inherited[0], api=inherited[1])
    run = run_target(call) if client is None and isinstance(callee, Ref) else None
    if run is not None and isinstance(run[0], cst.Name | cst.Attribute) and ev.value(run[0], scope) is None:
        client = _duck_langchain(ev, run[0], run[1], scope)  # asyncio.to_thread(llm.invoke, input=lc_messages)
        if client is None:
            ev.unresolved.append(info)  # asyncio.to_thread(self.llm.generate, ...): resolved as a call of the method
            return None
        resolved = Resolved(client, run[1])
    if client is None and callee is None:
        client = _duck_client(ev, call, scope)
        if client is None and isinstance(call.func, cst.Name | cst.Attribute):
            ev.unresolved.append(info)  # llm(prompt) / obj.method(...) on unknown values: resolved after the scan
    if client is None:
        return None
    client = ev.fitting(client)  # ``client.messages.create`` on a name holding an OpenAI or an Anthropic client
    value = ev.client_call(client, call, resolved.args, scope)
    if not isinstance(value, Answer):
        sends = ".".join(client.path) in clients.REQUEST_PATHS.get(client.kind, {})
        if sends and client.kind in ("http", "http-client") and ev.url_params(resolved.args, scope):
            ev.endpoint_calls.append(info)  # the endpoint arrives as a parameter: the callers decide (after the scan)
        elif sends and client.kind in ("http", "http-client") and ev.body_param(resolved.args, scope):
            ev.endpoint_calls.append(info)  # so does the payload: a request when a caller hands it a model payload
        elif (
            sends
            and client.kind in ("http", "http-client")
            and isinstance(ev.url_expr(resolved.args, scope), cst.Attribute)
        ):
            ev.endpoint_calls.append(
                info
            )  # self.end_point: a request when another request posts to it (after the scan)
        return None
    if helper is not None:
        ev.client_params.setdefault(helper, client)
    api = ".".join(p for p in client.path if p not in clients.TRANSPARENT_SEGMENTS)
    api = clients.REQUEST_PATHS[client.kind].get(api, api)
    if client.kind == "bedrock" and api.startswith("invoke_model") and _embedding_invocation(scope):
        return None  # the generic invoke endpoint on an embedding model: a look-alike
    kind = SiteKind.FRAMEWORK_TASK if client.kind == "chain" else SiteKind.REQUEST
    if client.kind in clients.FRAMEWORK_WRAPPER_KINDS:  # Crew.kickoff, agent.run: a framework's own wrapper
        site = Site(info, SiteKind.WRAPPER_CALL, client=client.family, api=api, args=resolved.args)
        if client.kind in clients.DECLARED_PROMPT_KINDS:  # ``self.predict(question=q)`` on ``dspy.Predict(Sig)``
            site.declared = True
            site.messages = _signature_prompt(ev, client, call, scope)
        elif client.kind in clients.FRAMEWORK_MESSAGE_ARGS:  # ``coder.run(prompt)``: the user's turn it is handed
            site.messages = _framework_message(ev, client, call, resolved, scope)
            agent = _run_agent(ev, client, call, resolved, scope)
            if agent is not None:
                _agent_contract(ev, site, agent)
                # instructions written where the agent is declared: the run fills that prompt with the message it is
                # handed (a function running it on its caller's data makes a task), as a DSPy Signature's fields do
                site.declared = any(m.role == "system" and _declared_text(m.static_text()) for m in site.messages)
        return site
    site = Site(info, kind, client=client.family, api=api)
    site.agent_loop = client.kind == "chain" and client.agent
    if helper is not None:
        site.sent_args = list(resolved.args)
    _details(ev, site, client, resolved, scope)
    if site.model and clients.NON_TEXT_MODEL.search(site.model):
        return None  # an image / speech / embedding model behind a generation API: no LLM call
    if _non_text_output(ev, call, scope):
        return None  # ``generate_content(config=GenerateContentConfig(response_modalities=["IMAGE"]))``: an image
    return site


_BODY_KEYWORDS = ("json", "data")


def _docstring_task(ev: Evaluator, info: CallInfo) -> Site | None:
    """``@ai_task(temperature=0)`` on a def, where ``ai_task`` is a decorator factory of the tree whose replacement
    function reads the decorated function's docstring (``func.__doc__``): the decorated def is run as a model task,
    its docstring the prompt and its arguments the input, with no call expression in sight. A framework task reported
    at the decorator, kept only where that replacement function (``runner``) reaches a model (a decorator reading
    docstrings for a help registry is dropped when the graph is built); it makes no function a caller of the model."""
    call, scope = info.node, info.scope
    parent = scope.module.parents.get(id(call))
    if not isinstance(parent, cst.Decorator) or parent.decorator is not call:
        return None
    callee = ev.value(call.func, scope)
    factory = ev.scopes.get(callee.key) if isinstance(callee, Function) else None
    if factory is None or factory.kind != "function":
        return None
    runner = _docstring_reader(factory)
    decorated = _decorated_def(scope, parent)
    if runner is None or decorated is None or not (decorated.docstring or "").strip():
        return None
    site = Site(info, SiteKind.FRAMEWORK_TASK, client="own", api="docstring task", runner=runner.key)
    site.declared = True
    # the def's return annotation is the answer's type, as the docstring is its prompt (``-> float``: a number); a
    # plain ``str`` says nothing of the answer beyond text
    node = decorated.node
    returns = node.returns if isinstance(node, cst.FunctionDef) else None
    if returns is not None:
        written = ev.source(returns.annotation, decorated).strip()
        if written.strip("'\"") not in _FREE_RETURNS:
            site.output_schema = written
    site.messages = [
        Message("system", (PromptPart(decorated.docstring.strip()),), origin="constant"),
        Message("user", (PromptPart("*args", hole=True),), origin="dynamic"),
    ]
    return site


_FREE_RETURNS = frozenset({"str", "None", "Any", "typing.Any", "object"})


def _docstring_reader(factory: Scope) -> Scope | None:
    """The function nested in ``factory`` (at most two levels down: factory -> decorator -> replacement) that reads
    ``<param>.__doc__`` of a parameter of the function defining it (the decorated function handed to the decorator)."""
    for fn in factory.module.scopes[:5000]:
        if fn.kind != "function" or fn.parent is None or fn.parent.kind != "function":
            continue
        if fn.parent is not factory and fn.parent.parent is not factory:
            continue
        params = {p.name.value for p in fn.parent.params}
        for node in _doc_reads(fn.node):
            if isinstance(node.value, cst.Name) and node.value.value in params:
                return fn
    return None


def _doc_reads(node: cst.CSTNode, depth: int = 0) -> list[cst.Attribute]:
    """The ``x.__doc__`` attribute reads under ``node`` (a bounded walk)."""
    if depth > 40:
        return []
    if isinstance(node, cst.Attribute) and node.attr.value == "__doc__":
        return [node]
    out: list[cst.Attribute] = []
    for child in node.children:
        out += _doc_reads(child, depth + 1)
        if len(out) > 4:
            break
    return out


def _decorated_def(scope: Scope, decorator: cst.Decorator) -> Scope | None:
    """The function scope whose def carries ``decorator`` (the scope the decorator's call was indexed in, or one of
    its direct children)."""
    for cand in (scope, *[s for s in scope.module.scopes[:5000] if s.parent is scope]):
        node = cand.node
        if (
            cand.kind == "function"
            and isinstance(node, cst.FunctionDef)
            and any(d is decorator for d in node.decorators)
        ):
            return cand
    return None


def _graph_node_task(ev: Evaluator, info: CallInfo) -> Site | None:
    """A model runnable handed to a graph builder as a node's action (LangGraph ``graph.add_node("agent", agent)``
    with ``agent = build_messages | llm.bind_tools(tools)``): the framework runs it on the graph's state, with no call
    expression in sight. A framework task, reported where the runnable is composed (the one binding of the name
    handed over, else the argument itself). A node running a function, a tool node or a compiled subgraph is none."""
    call, scope = info.node, info.scope
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "add_node":
        return None
    args = [a for a in call.args if not a.star]
    action = next((a.value for a in args if a.keyword is not None and a.keyword.value == "action"), None)
    positional = [a.value for a in args if a.keyword is None]
    if action is None and positional:
        action = positional[1] if len(positional) > 1 else positional[0]
    if action is None or isinstance(action, cst.SimpleString):
        return None
    value = ev.value(action, scope)
    if not isinstance(value, Client) or value.kind not in ("chain", "chat-model"):
        return None
    at: cst.CSTNode = action
    if isinstance(action, cst.Name):
        bound = ev.bindings_of(action.value, scope) or []
        if len(bound) == 1 and bound[0][0] == "expr" and bound[0][2] is scope:
            at = bound[0][1]
    site = Site(info, SiteKind.FRAMEWORK_TASK, client=value.family, api="graph node", at=at)
    # the node is run on the graph's state: the message list the graph carries from step to step
    site.messages = [Message("user", (PromptPart("*state", hole=True),), origin="dynamic")]
    return site


def _framework_message(
    ev: Evaluator, client: Client, call: cst.Call, resolved: Resolved, scope: Scope
) -> list[Message]:
    """The user's turn a framework wrapper is handed as its message (``coder.run(prompt)`` on an aider coder,
    ``agent.run(task)`` on a smolagents agent): the keyword the framework names it by, else the first positional;
    after the instructions the agent run was declared with (``Agent(instructions=[...]).run(...)``), as its system."""
    kw = _kwargs(resolved)
    names = clients.FRAMEWORK_MESSAGE_ARGS[client.kind]
    expr = next((kw[n] for n in names if n in kw), None)
    pos = _positional(resolved)
    after_agent = client.kind in clients.FRAMEWORK_MESSAGE_AFTER_AGENT
    if expr is None:
        at = 1 if after_agent else 0
        expr = pos[at] if len(pos) > at else None
    out: list[Message] = []
    agent = _run_agent(ev, client, call, resolved, scope)
    if agent is not None:
        text = _fields_text(ev, agent[0], agent[1], _AGENT_PROMPT_FIELDS)
        declared = _decorated_instructions(ev, agent[2], agent[1])
        if declared is not None:  # ``@agent.system_prompt def ...: return f"..."``: after what the constructor says
            text = declared if text is None else Text((*text.parts, PromptPart("\n"), *declared.parts), "concat")
        if text is not None:
            out.append(_message("system", text))
    history = kw.get(clients.FRAMEWORK_HISTORY_ARGS.get(client.kind, ""))
    if history is not None:  # ``agent.run(q, message_history=past)``: the conversation so far, before the turn
        out.append(Message("user", (PromptPart(f"*{ev.source(history, scope)}", hole=True),), origin="dynamic"))
    if expr is not None and client.kind in clients.FRAMEWORK_CHAT_REQUEST:
        out.append(Message("user", (PromptPart(f"*{ev.source(expr, scope)}", hole=True),), origin="dynamic"))
    elif expr is not None:
        out += _input_messages(ev, expr, scope, role="user", only_text=True)
    return out


def _run_agent(
    ev: Evaluator, client: Client, call: cst.Call, resolved: Resolved, scope: Scope
) -> tuple[cst.Call, Scope, str | None] | None:
    """The agent construction a framework run is made on (``agent.run(q)``, ``Runner.run(agent, q)``): the
    ``Agent(...)`` call, its scope, and the name it is bound to when the receiver is a plain name."""
    pos = _positional(resolved)
    after_agent = client.kind in clients.FRAMEWORK_MESSAGE_AFTER_AGENT
    receiver = pos[0] if after_agent and pos else call.func.value if isinstance(call.func, cst.Attribute) else None
    if client.kind in clients.FRAMEWORK_AGENT_KEYWORD:
        receiver = _kwargs(resolved).get(clients.FRAMEWORK_AGENT_KEYWORD[client.kind])
    if receiver is None:
        return None
    agent = _agent_call(ev, receiver, scope, imported=True)
    if agent is None:
        return None
    return agent[0], agent[1], receiver.value if isinstance(receiver, cst.Name) else None


# Decorators an agent SDK registers a function under on an agent object (pydantic-ai ``@agent.system_prompt`` /
# ``@agent.instructions`` return text the agent sends as its system prompt; ``@agent.tool`` / ``@agent.tool_plain``
# register a tool the agent may call).
_INSTRUCTION_DECORATORS = frozenset({"system_prompt", "instructions"})
_TOOL_DECORATORS = frozenset({"tool", "tool_plain"})
# Constructor keywords that declare an agent's answer type (pydantic-ai / the OpenAI Agents SDK ``output_type``, the
# older pydantic-ai ``result_type``, agno / ADK ``output_schema``, agno ``response_model``) and those that give it
# other agents to hand the turn to (which makes its run a loop, as tools do).
_AGENT_OUTPUT_FIELDS = ("output_type", "result_type", "output_schema", "response_model")
_AGENT_HANDOFF_FIELDS = ("handoffs", "sub_agents", "members")


def _registered(agent_scope: Scope, name: str | None, kinds: frozenset[str]) -> list[Scope]:
    """The module's functions decorated as ``@<name>.<kind>`` or ``@<name>.<kind>(...)``."""
    if name is None:
        return []
    out: list[Scope] = []
    for fn in agent_scope.module.scopes:
        if fn.kind != "function":
            continue
        for d in fn.decorators:
            d = d.func if isinstance(d, cst.Call) else d
            if (
                isinstance(d, cst.Attribute)
                and d.attr.value in kinds
                and isinstance(d.value, cst.Name)
                and d.value.value == name
            ):
                out.append(fn)
                break
    return out


def _decorated_instructions(ev: Evaluator, name: str | None, agent_scope: Scope) -> Text | None:
    """What the functions registered as the agent's instructions return, one after the other."""
    parts: list[PromptPart] = []
    for fn in _registered(agent_scope, name, _INSTRUCTION_DECORATORS):
        for ret in fn.returns[:1]:
            if parts:
                parts.append(PromptPart("\n"))
            parts.extend(ev.text(ret, fn).parts)
    return Text(tuple(parts), "concat") if parts else None


_DECLARED_CHARS = 40  # non-space characters of instruction text that make it written, as project._AUTHORED_CHARS


def _declared_text(static: str) -> bool:
    return len("".join(static.split())) >= _DECLARED_CHARS


def _agent_contract(ev: Evaluator, site: Site, agent: tuple[cst.Call, Scope, str | None]) -> None:
    """What an agent's construction declares about each of its runs: the answer type (``output_type=Verdict``) as
    the run's output schema, the tools it may call (``tools=[...]``, functions registered with ``@agent.tool``) and
    the agents it may hand over to, as the run's tools."""
    call, at, name = agent
    for field_name in _AGENT_OUTPUT_FIELDS:
        expr = arg(call, field_name)
        if expr is not None:
            site.options.setdefault("output_type", ev.option_value(expr, at))
            site.output_schema = site.output_schema or ev.source(expr, at)
            break
    if site.output_schema is None and isinstance(call.func, cst.Subscript) and len(call.func.slice) == 2:
        typed = call.func.slice[1].slice  # ``Agent[Deps, Verdict](...)``: the second type argument is the answer
        if isinstance(typed, cst.Index):
            site.output_schema = ev.source(typed.value, at)
    names = list(site.tools)
    for field_name in ("tools", *_AGENT_HANDOFF_FIELDS):
        expr = arg(call, field_name)
        if expr is None:
            continue
        found = tool_names(ev, expr, at)
        names += found
        if not found or field_name != "tools":  # (the agents it hands over to kept apart from its tools)
            site.options.setdefault(field_name, ev.option_value(expr, at))
    names += [fn.name for fn in _registered(at, name, _TOOL_DECORATORS)]
    site.tools = tuple(dict.fromkeys(names))


def _library_http_helper(ev: Evaluator, qname: str, call: cst.Call, scope: Scope) -> bool:
    """A third-party library's request helper (``send_tgi_request(f"{base}/generate", json=payload)``: a function
    named for requests, not one of the tree's) called with a model endpoint for its URL (first positional or
    ``url=``) and a request body (``json=`` / ``data=``): a raw HTTP model request made through a vendored helper.
    A class named for requests (``urllib.request.Request``) builds the request object another call sends."""
    name = qname.rsplit(".", 1)[-1]
    if "request" not in name.lower() or "." not in qname or name[:1].isupper() or qname in clients.HTTP_REQUEST_OBJECTS:
        return False  # a request helper's function; a class (``urllib.request.Request``) only builds the request
    if not any(a.keyword is not None and a.keyword.value in _BODY_KEYWORDS for a in call.args):
        return False
    url = next((a.value for a in call.args if a.keyword is None and not a.star), None)
    if url is None:
        url = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "url"), None)
    if url is None:
        return False
    text = ev.text(url, scope).static()
    return clients.marks_llm_url(text)


_OUTPUT_CONFIGS = ("config", "generation_config")
_MODALITY_KEYS = ("response_modalities", "modalities")


def _non_text_output(ev: Evaluator, call: cst.Call, scope: Scope) -> bool:
    """The request asks only for non-text output: its generation config (given in the call, or a local it builds,
    on any path) lists response modalities and none of them is text (``["IMAGE"]``, ``["AUDIO"]``)."""
    said: list[str | None] = []
    for a in call.args:
        if a.keyword is None or a.keyword.value not in _OUTPUT_CONFIGS:
            continue
        exprs: list[cst.BaseExpression] = [a.value]
        if isinstance(a.value, cst.Name):
            exprs = [b[1] for b in (ev.bindings_of(a.value.value, scope) or ())[:8] if b[0] == "expr" and len(b) > 2]
        for expr in exprs:
            modalities: cst.BaseExpression | None = None
            if isinstance(expr, cst.Call):
                modalities = next((x.value for x in expr.args if x.keyword and x.keyword.value in _MODALITY_KEYS), None)
            elif isinstance(expr, cst.Dict):
                for el in expr.elements:
                    if isinstance(el, cst.DictElement) and ev.static_str(el.key, scope) in _MODALITY_KEYS:
                        modalities = el.value
            if isinstance(modalities, cst.List | cst.Tuple):
                said += [ev.static_str(el.value, scope) for el in modalities.elements if isinstance(el, cst.Element)]
    return bool(said) and all(n is not None and "text" not in n.lower() for n in said)


def _embedding_invocation(scope: Scope) -> bool:
    """A generic model-invocation call (Bedrock ``invoke_model``, where the model id picks the task) made by a function
    or class named for embeddings (``_get_embedding``, ``BedrockEmbedder``). A model id that names an embedding model
    (``amazon.titan-embed-text-v2:0``) is ``NON_TEXT_MODEL``'s, checked on every request once its model is read."""
    fn = scope.enclosing_function()
    owner = fn.enclosing_class() if fn is not None else None
    return any(s is not None and "embed" in s.name.lower() for s in (fn, owner))


_LC_MESSAGE_BUILDERS = frozenset({"HumanMessage", "SystemMessage", "AIMessage", "ChatMessage", "convert_to_messages"})
_LC_SENDS = frozenset({"invoke", "ainvoke", "stream", "astream"})


def _duck_langchain(ev: Evaluator, func: cst.BaseExpression, args: list[cst.Arg], scope: Scope) -> Client | None:
    """``llm.invoke(messages)`` on an object of unknown type (a model handed in as a parameter) whose input is a
    list of LangChain chat messages (``HumanMessage(...)``, ``convert_to_messages(...)``): a LangChain chat model
    request. Tools and compiled graphs are invoked with dicts or strings, not message lists."""
    if not (isinstance(func, cst.Attribute) and func.attr.value in _LC_SENDS):
        return None
    keyed = [a.value for a in args if a.keyword is not None and a.keyword.value == "input"]
    given = keyed[0] if keyed else next((a.value for a in args if a.keyword is None and not a.star), None)
    if given is None or ev.value(func.value, scope) is not None:
        return None
    if not _langchain_messages(ev, given, scope, 0):
        return None
    return Client("langchain", "chat-model", (func.attr.value,))


def _langchain_messages(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
    if depth > 3:
        return False
    if isinstance(expr, cst.Call):
        v = ev.value(expr.func, scope)
        qname = v.qname if isinstance(v, Ref) else ""
        return qname.startswith("langchain") and qname.rsplit(".", 1)[-1] in _LC_MESSAGE_BUILDERS
    if isinstance(expr, cst.List | cst.Tuple):
        return any(_langchain_messages(ev, el.value, scope, depth + 1) for el in expr.elements[:16])
    if isinstance(expr, cst.Name):
        for b in ev.bindings_of(expr.value, scope) or ():
            if b[0] == "expr" and _langchain_messages(ev, b[1], b[2] if len(b) > 2 else scope, depth + 1):
                return True
    return False


def _names_directly(ev: Evaluator, func: cst.BaseExpression, callee: str, scope: Scope) -> bool:
    """Whether a call names its function as imported (``send(...)``, ``remote.send(...)`` on a module), not through a
    value a run-time import picked (``self._pick(kind)(...)``, ``fn(...)``, ``mod.send(...)`` on a picked module)."""
    name = callee.rpartition(":")[2].rpartition(".")[2]
    if isinstance(func, cst.Name):
        return func.value == name
    if isinstance(func, cst.Attribute) and func.attr.value == name:
        return isinstance(ev.value(func.value, scope), Module)
    return False


def _spells_name(func: cst.BaseExpression, callee: str) -> bool:
    """Whether a call spells its function's own name (``reply(...)``, ``self.reply(...)``), not a value looked up in a
    dispatch table (``handler(...)`` after ``handler = table[kind]``, ``table[kind](...)``)."""
    return called_name(func) == callee.rpartition(":")[2].rpartition(".")[2]


def _alternatives(ev: Evaluator, call: cst.Call, scope: Scope, callee: str) -> tuple[str, ...]:
    """For ``self.attr.method(...)``: the ``method`` of each other class an assignment of ``self.attr`` builds. For
    ``obj.method(...)`` on a local set from a factory a table picks (``obj = FACTORIES[kind]()``): the ``method`` of
    what each other factory of that table returns."""
    func = call.func
    if isinstance(func, cst.Name):
        return tuple(
            dict.fromkeys(
                (
                    *_named_member_alternatives(ev, func.value, scope, callee),
                    *_bound_functions(ev, func.value, scope, callee),
                    *_field_alternatives(ev, func.value, scope, callee),
                )
            )
        )
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return _table_made_alternatives(ev, func.value.value, func.attr.value, scope, callee)
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
        return ()
    out: list[str] = []
    for cls in ev.attr_classes(func.value, scope, subclasses=True):
        m = ev.member(cls, func.attr.value, True)
        if isinstance(m, Function) and m.key != callee and m.key in ev.scopes and m.key not in out:
            out.append(m.key)
    return tuple(out)


def _bound_functions(ev: Evaluator, name: str, scope: Scope, callee: str) -> tuple[str, ...]:
    """``call_fn = _call_remote`` in one branch, ``call_fn = _call_local`` in another (or ``a if x else b``), then
    ``call_fn(...)``, there or in a closure: each function of the tree the name is bound to other than the one the
    evaluator picked (its first) may be what the call runs."""
    out: list[str] = []
    for b in (ev.bindings_of(name, scope) or [])[:8]:
        if b[0] != "expr" or len(b) < 3 or b[2] is None:
            continue
        exprs = [b[1].body, b[1].orelse] if isinstance(b[1], cst.IfExp) else [b[1]]
        for e in exprs:
            if not isinstance(e, cst.Name | cst.Attribute):
                continue
            v = ev.value(e, b[2])
            if isinstance(v, Function) and v.key != callee and v.key in ev.scopes and v.key not in out:
                out.append(v.key)
    return tuple(out)


def _field_alternatives(ev: Evaluator, name: str, scope: Scope, callee: str) -> tuple[str, ...]:
    """``ask = settings["best_model_func"]`` then ``ask(...)``, ``settings`` an object's fields flattened into a dict:
    the other functions the field may hold (what the object's methods set it to, what its constructions pass for it;
    ``Evaluator.flattened_functions``)."""
    bound = ev.bindings_of(name, scope) or []
    if len(bound) != 1 or bound[0][0] != "expr" or not isinstance(bound[0][1], cst.Subscript):
        return ()
    return tuple(k for k in ev.flattened_functions(bound[0][1], bound[0][2]) if k != callee)


def _named_member_alternatives(ev: Evaluator, name: str, scope: Scope, callee: str) -> tuple[str, ...]:
    """``method = getattr(self, method_name)`` then ``method(...)``: each method of the object that the callers of
    the enclosing function name in ``method_name`` (``self._dispatch("_send", ...)``, ``self._dispatch("_stream",
    ...)``); the evaluator's value is only the first of them."""
    out: list[str] = []
    for b in (ev.bindings_of(name, scope) or [])[:8]:
        if b[0] != "expr" or not isinstance(b[1], cst.Call) or len(b) < 3 or b[2] is None:
            continue
        got = b[1]
        if not (isinstance(got.func, cst.Name) and got.func.value == "getattr" and len(got.args) >= 2):
            continue
        base = ev.value(got.args[0].value, b[2])
        if not isinstance(base, Instance):
            continue
        for picked in ev.passed_strings(got.args[1].value, b[2])[:8]:
            m = ev.attribute(base, picked)
            if isinstance(m, Function) and m.key != callee and m.key in ev.scopes and m.key not in out:
                out.append(m.key)
    return tuple(out)


def _table_made_alternatives(ev: Evaluator, name: str, method: str, scope: Scope, callee: str) -> tuple[str, ...]:
    """``agent = self.factories[kind]()`` then ``agent.run(task)``: the table's other factories build other classes,
    and the call runs the ``method`` of whichever one the key picks (``Evaluator.any_entry`` names only the first)."""
    out: list[str] = []
    for b in (ev.bindings_of(name, scope) or [])[:8]:
        if b[0] != "expr" or not isinstance(b[1], cst.Call) or len(b) < 3 or b[2] is None:
            continue
        for key in _table_picked(ev, b[1], b[2]):
            got = ev.returns_of(key)
            if not isinstance(got, Instance):
                continue
            m = ev.member(got.cls, method, True)
            if isinstance(m, Function) and m.key != callee and m.key in ev.scopes and m.key not in out:
                out.append(m.key)
    return tuple(out)


def _table_picked(ev: Evaluator, call: cst.Call, scope: Scope, depth: int = 0) -> list[str]:
    """The other factories of the table a call picks its factory from (``FACTORIES[kind]()``), also through a
    function of the tree returning such a call (``def select(self): return self.factories[self.kind]()``)."""
    made = ev.value(call.func, scope)
    if not isinstance(made, Function):
        return []
    table = ev.table_alternatives.get(made.key, ())
    if table or depth >= 2:
        return list(table[:20])
    fn = ev.scopes.get(made.key)
    if fn is None:
        return []
    out: list[str] = []
    for r in fn.returns[:8]:
        if isinstance(r, cst.Call):
            out += [k for k in _table_picked(ev, r, fn, depth + 1) if k not in out]
    return out


def _signature_prompt(ev: Evaluator, client: Client, call: cst.Call, scope: Scope) -> list[Message]:
    """A DSPy predictor's prompt as the framework lays it out: the Signature's docstring (its instructions, as the
    system message), then per input field its prefix (or name) and the value this call passes for it, then per output
    field its prefix and description (the output contract). The Signature is the predictor constructor's first
    argument: a class (fields declared in its body) or a string (``"question, context -> answer"``: names only)."""
    ctor = next((n for n in ev.keep if id(n) == client.prompt_key), None)
    if not isinstance(ctor, cst.Call):
        return []
    owner = _scope_of(ev, ctor) or scope
    signature = arg(ctor, "signature", 0)
    value = ev.value(signature, owner) if signature is not None else None
    doc = ""
    fields: list[tuple[str, str, str]] = []  # (name, "input" | "output", prefix and description)
    if isinstance(value, Class) and (cls := ev.scopes.get(value.key)) is not None:
        doc = cls.docstring or ""
        for name, bindings in cls.bindings.items():
            expr = next((b[1] for b in bindings if b[0] == "expr" and isinstance(b[1], cst.Call)), None)
            io = clients.SIGNATURE_FIELDS.get((dotted(expr.func) or "").rsplit(".", 1)[-1]) if expr else None
            if expr is None or io is None:
                continue
            said = [ev.static_str(arg(expr, key), cls) or "" for key in ("prefix", "desc")]
            fields.append((name, io, " ".join(t.strip() for t in said if t.strip())))
    elif isinstance(value, Const) and isinstance(value.value, str) and "->" in value.value:
        ins, _, outs = value.value.partition("->")
        for io, names in (("input", ins), ("output", outs)):
            fields += [(n.split(":")[0].strip(), io, "") for n in names.split(",") if n.split(":")[0].strip()]
    if not doc and not fields:
        return []
    given = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    parts: list[PromptPart] = []
    for name, io, said in fields:
        if parts:
            parts.append(PromptPart("\n"))
        parts.append(PromptPart((said or name.replace("_", " ").capitalize() + ":") + " "))
        if io == "input":
            filled = [p for p in ev.text(given[name], scope).parts if p.text] if name in given else []
            parts.extend(filled or (PromptPart(name, hole=True),))  # nothing static known: the field's name as the hole
    out = [Message("system", (PromptPart(doc.strip()),))] if doc.strip() else []
    return out + ([Message("user", tuple(parts))] if parts else [])


def _framework_transport(ev: Evaluator, call: cst.Call, scope: Scope) -> tuple[str, str] | None:
    """``self.request(prompt)`` in a subclass of a framework's LM base that defines no such method: the framework's
    inherited transport sends the request (the method is the api)."""
    func = call.func
    fn = scope.enclosing_function()
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.attr.value in clients.FRAMEWORK_LM_TRANSPORTS
        and fn is not None
        and fn.params
        and func.value.value == fn.params[0].name.value
    ):
        return None
    cls = fn.enclosing_class()
    if cls is None or not ev.framework_lm_class(cls):
        return None
    return "dspy", func.attr.value


def _instructor_request(client: Client, call: cst.Call) -> Client:
    """``client.create(messages=..., response_model=...)`` on a client an instructor factory patched
    (``instructor.from_litellm(c)``, ``from_gemini(c)``): the structured-output request instructor adds, which the
    patched provider's own surface has no path for; any other call stays what the client makes of it."""
    if len(client.path) != 1 or ".".join(client.path) in clients.REQUEST_PATHS.get(client.kind, {}):
        return client
    shape = clients.DUCK_KEYWORD_PATHS.get(client.path[0])
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if shape is None or shape[1] != "instructor" or not shape[2] <= keywords:
        return client
    return Client(shape[0], shape[1], client.path, is_async=client.is_async)


def _duck_client(ev: Evaluator, call: cst.Call, scope: Scope) -> Client | None:
    """A client of unknown type (a parameter, an attribute set elsewhere) called through a request path only LLM
    clients have (``client.chat.completions.create``): the family that path belongs to."""
    name = dotted(call.func)
    if name is None:
        return None
    lc = _duck_langchain(ev, call.func, list(call.args), scope)
    if lc is not None:
        return lc
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if name.endswith(".generate") and keywords & clients.LOCAL_GENERATE_KEYWORDS:
        # ``self.model.generate(inputs=ids, do_sample=True, max_new_tokens=n)`` on a model loaded out of sight
        if ev.value(call.func.value, scope) is None:  # type: ignore[union-attr]
            return Client("hf", "hf-model", ("generate",))
        return None
    shaped = {p: (f, k) for p, (f, k, needs) in clients.DUCK_KEYWORD_PATHS.items() if needs <= keywords}
    for path, (family, kind) in (clients.DUCK_PATHS | shaped).items():
        if name.endswith("." + path):
            base: cst.BaseExpression = call.func
            for _ in path.split("."):
                base = base.value if isinstance(base, cst.Attribute) else base
            if ev.value(base, scope) is not None:
                return None  # a known value is classified by what it is
            return Client(family, kind, tuple(path.split(".")))
    return None


_TASK_FIELDS = ("description", "expected_output")
_AGENT_FIELDS = ("role", "goal", "backstory")
# A tree's own agent class declares what it sends as its system prompt under these names.
_OWN_AGENT_FIELDS = ("role", "goal", "backstory", "instructions", "instruction", "system_prompt")
# What an agent SDK's agent is declared with and sends as its system prompt on every run (agno ``description`` /
# ``instructions`` / ``role``, ADK ``instruction``, the OpenAI Agents SDK's ``instructions``, pydantic-ai's
# ``system_prompt``, smolagents' ``instructions``).
_AGENT_PROMPT_FIELDS = ("role", "description", "instructions", "instruction", "system_prompt", "expected_output")


def _framework_task_prompt(ev: Evaluator, call: cst.Call, scope: Scope) -> list[Message]:
    """A crewAI task's prompt as the framework sends it: the agent's role, goal and backstory (system) and the task's
    description and expected output (user), each given in Python or through ``config=`` (an entry of
    ``tasks.yaml`` / ``agents.yaml``); ``agent=`` followed through a local, a method returning ``Agent(...)``."""
    out: list[Message] = []
    agent = _agent_call(ev, arg(call, "agent"), scope)
    if agent is not None:
        text = _fields_text(ev, agent[0], agent[1], _AGENT_FIELDS)
        if text is not None:
            out.append(_message("system", text))
    text = _fields_text(ev, call, scope, _TASK_FIELDS)
    if text is not None:
        out.append(_message("user", text))
    return out


def own_task_site(ev: Evaluator, info: CallInfo, cls_key: str, params: list[str]) -> Site:
    """A construction of one of the tree's own framework-task classes (``Task(description=..., expected_output=...,
    agent=...)`` run by the tree's team): a framework task whose prompt is the agent's role / goal / instructions
    (system) and the task's description and expected output (user); ``params`` are the constructor's parameters after
    ``self``, for the fields passed by position."""
    call, scope = info.node, info.scope
    site = Site(info, SiteKind.FRAMEWORK_TASK, client="own", api=cls_key.rsplit(":", 1)[-1])
    agent = _agent_call(ev, arg(call, "agent", _position(params, "agent")), scope, own=True)
    out: list[Message] = []
    if agent is not None:
        text = _fields_text(ev, agent[0], agent[1], _OWN_AGENT_FIELDS)
        if text is not None:
            out.append(_message("system", text))
        site.tools = _own_agent_tools(ev, agent[0], agent[1])
    text = _fields_text(ev, call, scope, _TASK_FIELDS, params)
    if text is not None:
        out.append(_message("user", text))
    site.messages = out
    for key in _OWN_TASK_SCHEMAS:  # ``output_pydantic=Verdict``: the answer must fit that model
        schema = arg(call, key)
        if isinstance(schema, cst.Name | cst.Attribute):
            site.output_schema = dotted(schema) or None
            break
    routes = arg(call, "condition")  # ``condition={"high": [...], "low": [...]}``: the answers the run routes on
    if isinstance(routes, cst.Dict):
        keys = [
            e.key.evaluated_value
            for e in routes.elements
            if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
        ]
        if len(keys) >= 2 and all(isinstance(k, str) and k.strip() for k in keys):
            site.labels = tuple(dict.fromkeys(k.strip() for k in keys))  # type: ignore[union-attr]
    return site


def _own_agent_tools(ev: Evaluator, agent: cst.Call, at: Scope) -> tuple[str, ...]:
    """The names of the tools an own agent's construction gives it (``tools=[lookup_price]``), which its task's run
    may call; () when there are none or they cannot be named."""
    expr = arg(agent, "tools")
    return tuple(dict.fromkeys(tool_names(ev, expr, at))) if expr is not None else ()


# The keywords under which a task object is handed the model its answer must fit.
_OWN_TASK_SCHEMAS = ("output_pydantic", "output_json", "output_schema", "response_model")


def _position(params: list[str], name: str) -> int | None:
    return params.index(name) if name in params else None


def _fields_text(
    ev: Evaluator, call: cst.Call, scope: Scope, names: tuple[str, ...], params: list[str] | None = None
) -> Text | None:
    """The prompt fields of a framework constructor as one text: keyword arguments first (or by their position among
    ``params``), else its ``config=``."""
    parts: list[PromptPart] = []
    for name in names:
        expr = arg(call, name, _position(params, name) if params else None)
        if expr is None:
            continue
        listed, at = _resolve_expr(ev, expr, scope)
        items = listed.elements if isinstance(listed, cst.List | cst.Tuple) else None
        for item in items if items is not None else (expr,):  # ``instructions=["...", "..."]``: one a line
            if parts:
                parts.append(PromptPart("\n"))
            if items is None:
                parts.extend(ev.text(item, scope).parts)
            elif not isinstance(item, cst.StarredElement):
                parts.extend(ev.text(item.value, at).parts)
    config = arg(call, "config")
    if not parts and config is not None:
        text = ev.text(config, scope)
        if text.origin == "template-file":
            return text
    return Text(tuple(parts), "concat") if parts else None


_AGENT_CLASSES = frozenset({"Agent", "LlmAgent", "Team"})


class _AgentHandovers(cst.CSTVisitor):
    """What a module hands to the things that run agents: the names and inline calls listed under a team's / parent
    agent's / serving app's ``members=`` / ``sub_agents=`` / ``agents=``, and the names handed to any other call
    (with the called name), so that an agent bound to a name can be told apart from one a function runs."""

    def __init__(self) -> None:
        self.listed_names: set[str] = set()
        self.listed_calls: set[int] = set()
        self.handed: dict[str, set[str]] = {}

    def visit_Call(self, node: cst.Call) -> bool:
        called = (dotted(node.func) or "").rsplit(".", 1)[-1]
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in clients.AGENT_AS_TOOL:
            if isinstance(node.func.value, cst.Name):  # ``agent.as_tool(...)``: another agent runs it as a tool
                self.listed_names.add(node.func.value.value)
            elif isinstance(node.func.value, cst.Call):
                self.listed_calls.add(id(node.func.value))
        first = arg(node, "agent", 0) if called in clients.HANDOFF_FUNCTIONS else None
        if first is not None:  # ``handoff(agent, input_filter=...)`` / ``handoff(agent=...)``: the agent handed over to
            if isinstance(first, cst.Name):
                self.listed_names.add(first.value)
            elif isinstance(first, cst.Call):
                self.listed_calls.add(id(first))
        for a in node.args:
            kw = a.keyword.value if a.keyword is not None else None
            if kw in clients.SERVED_AGENT_KEYWORDS and isinstance(a.value, cst.List | cst.Tuple):
                for el in a.value.elements:
                    if isinstance(el.value, cst.Name):
                        self.listed_names.add(el.value.value)
                    elif isinstance(el.value, cst.Call):
                        self.listed_calls.add(id(el.value))
            elif isinstance(a.value, cst.Name):
                self.handed.setdefault(a.value.value, set()).add(called)
        return True


_HANDOVERS: weakref.WeakKeyDictionary[object, _AgentHandovers] = weakref.WeakKeyDictionary()


def _handovers(info: CallInfo) -> _AgentHandovers:
    """The handovers of the call's module."""
    return _module_handovers(info.scope.module)


def _module_handovers(module: Any) -> _AgentHandovers:
    """The module's handovers, scanned once per parsed module."""
    found = _HANDOVERS.get(module)
    if found is None:
        found = _AgentHandovers()
        module.tree.visit(found)
        _HANDOVERS[module] = found
    return found


def _served_agent_site(ev: Evaluator, info: CallInfo, qname: str) -> Site:
    """A served agent's construction as a framework task: its declared instructions as the system prompt, the
    contract its construction declares (answer type, tools) as the task's."""
    call, scope = info.node, info.scope
    site = Site(info, SiteKind.FRAMEWORK_TASK, client=clients.SERVED_AGENTS[qname], api=qname)
    text = _fields_text(ev, call, scope, _AGENT_PROMPT_FIELDS)
    site.messages = [_message("system", text)] if text is not None else []
    _agent_contract(ev, site, (call, scope, _bound_name(info)))
    return site


def _bound_name(info: CallInfo) -> str | None:
    """The one plain name a call's statement assigns it to (``agent = Agent(...)``), else None."""
    stmt = info.statement
    if isinstance(stmt, cst.Assign) and stmt.value is info.node and len(stmt.targets) == 1:
        target = stmt.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(stmt, cst.AnnAssign) and stmt.value is info.node and isinstance(stmt.target, cst.Name):
        return stmt.target.value
    return None


def _own_served_agent(ev: Evaluator, cls_key: str, info: CallInfo) -> str | None:
    """The public name of an agent class of the tree that the catalog knows as a served agent (the framework's own
    repository), when this construction is served (outside the framework's own package and its tests)."""
    if is_test_path(info.scope.module.path):
        return None
    if cls_key.partition(":")[0].split(".", 1)[0] == info.scope.module.name.split(".", 1)[0]:
        return None  # the framework's own package building its own agents
    qname = next((n for n in ev.public_names(cls_key) if n in clients.SERVED_AGENTS), None)
    if qname is None or not _declares_prompt_field(ev, cls_key):
        return None  # (a class of the tree's own that only shares the framework's name)
    return qname if _served_agent(ev, info) else None


# Per project: the qualified names (``pkg.mod.agent``) of module-level names another module imports and hands over
# (``handoffs=[agent]``, ``handoff(agent)``, ``agent.as_tool(...)``).
_IMPORTED_HANDOVERS: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()
# What a module handing an agent over spells (``_AgentHandovers``): a quick test before its tree is walked.
_CALLS_HANDING_OVER = "|".join(sorted(clients.AGENT_AS_TOOL | clients.HANDOFF_FUNCTIONS))
_HANDS_OVER = lazy(rf"\b({_CALLS_HANDING_OVER})\b|\b({'|'.join(sorted(clients.SERVED_AGENT_KEYWORDS))})\s*=")


def imported_handovers(ev: Evaluator) -> list[CallInfo]:
    """The module-level constructions, in loaded modules, bound to a name that another loaded module imports and
    hands over to an agent (``from .risk import risk_agent`` ... ``risk_agent.as_tool(...)``): recorded for
    ``_served_agent``, returned so that the caller classifies them again (they were classified before the module
    handing them over was loaded)."""
    handed = _IMPORTED_HANDOVERS.setdefault(ev, set())
    out: list[CallInfo] = []
    for mod in list(ev.project.modules.values()):
        if not mod.scopes or not _HANDS_OVER.search(mod.source):
            continue  # (a module that spells no handover is not walked)
        names = _module_handovers(mod).listed_names
        for name in names:
            bindings = mod.scope.bindings.get(name) or []
            if len(bindings) != 1 or bindings[0][0] != "import":
                continue
            origin, _, local = str(bindings[0][1]).rpartition(".")
            source = ev.project.module(origin) if origin else None
            if source is None or source is mod or f"{source.name}.{local}" in handed:
                continue
            handed.add(f"{source.name}.{local}")
            out.extend(c for c in source.scope.calls if _bound_name(c) == local)
    return out


def _served_agent(ev: Evaluator, info: CallInfo) -> bool:
    """An agent SDK's agent built where something that runs agents takes it (a team's member, an ADK sub-agent, an
    agent a serving app is handed, here or in a module importing it), or bound at module level to the name the ADK
    command line runs and handed to no function but a runner: the framework runs it with no call expression of the
    tree's in sight."""
    found = _handovers(info)
    if id(info.node) in found.listed_calls:
        return True
    stmt = info.statement
    if not isinstance(stmt, cst.Assign | cst.AnnAssign) or getattr(stmt, "value", None) is not info.node:
        return False
    targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
    names = [t.value for t in targets if isinstance(t, cst.Name)]
    if any(n in found.listed_names for n in names):
        return True
    at_module = info.scope.enclosing_function() is None
    imported = _IMPORTED_HANDOVERS.get(ev, set())
    if at_module and any(f"{info.scope.module.name}.{n}" in imported for n in names):
        return True
    handed = {c for n in names for c in found.handed.get(n, ())}
    return at_module and clients.ADK_ROOT_AGENT in names and handed <= {"Runner", "InMemoryRunner"}


def _agent_call(
    ev: Evaluator,
    expr: cst.BaseExpression | None,
    scope: Scope,
    depth: int = 0,
    own: bool = False,
    imported: bool = False,
) -> tuple[cst.Call, Scope] | None:
    """The ``Agent(...)`` call an ``agent=`` argument stands for: the call itself, a local bound once to it, or a
    call of a project function (``self.researcher()``) whose one return is such a call; ``imported``: also an agent
    bound in another module of the tree and imported (the agent a framework run is made on)."""
    if expr is None or depth > 3:
        return None
    expr, scope = _resolve_expr(ev, expr, scope)
    if imported and isinstance(expr, cst.Name):  # declared in another module and imported (``from .agents import p``)
        declared = _imported_binding(ev, expr.value, scope)
        if declared is not None:
            return _agent_call(ev, declared[0], declared[1], depth + 1, own, imported)
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func.value if isinstance(expr.func, cst.Subscript) else expr.func  # ``Agent[Deps, Out](...)``
    callee = ev.value(func, scope)
    if isinstance(callee, Ref):
        return (expr, scope) if callee.qname.rsplit(".", 1)[-1] in _AGENT_CLASSES else None
    if isinstance(callee, Class) and own:  # the tree's own agent class, for the tree's own task
        return expr, scope
    if isinstance(callee, Client) and callee.kind in clients.FRAMEWORK_MESSAGE_ARGS:
        return expr, scope  # ``Team(...)``, an agent of a client kind the catalog knows
    if isinstance(callee, Class):  # the framework's own repository: its agent class is the tree's
        kind = ev.own_framework_entry(callee.key)
        if kind is not None and kind.kind in clients.FRAMEWORK_MESSAGE_ARGS:
            return expr, scope
        served = any(n in clients.SERVED_AGENTS for n in ev.public_names(callee.key))
        return (expr, scope) if served and _declares_prompt_field(ev, callee.key) else None
    if isinstance(callee, Function):
        fn = ev.scopes.get(callee.key)
        if fn is not None and len(fn.returns) == 1:
            return _agent_call(ev, fn.returns[0], fn, depth + 1, own, imported)
    return None


def _imported_binding(ev: Evaluator, name: str, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """The expression a name imported from a module of the tree is bound to there (its one module-level assignment):
    ``from .agents.planner import planner`` -> the ``Agent(...)`` call in ``agents/planner.py``."""
    bindings = ev.bindings_of(name, scope) or []
    if len(bindings) != 1 or bindings[0][0] != "import":
        return None
    b = bindings[0]
    mod, rest = ev.project.split(ev.project.importable(b[1], b[2] if len(b) > 2 else None))
    if mod is None or len(rest) != 1:
        return None
    there = [t for t in ev.module_bindings(mod, rest[0]) or [] if t[0] == "expr"]
    return (there[0][1], there[0][2]) if len(there) == 1 else None


def _kwargs(resolved: Resolved) -> dict[str, cst.BaseExpression]:
    out = {a.keyword.value: a.value for a in resolved.bound if a.keyword is not None}
    out.update({a.keyword.value: a.value for a in resolved.args if a.keyword is not None})
    return out


def _positional(resolved: Resolved) -> list[cst.BaseExpression]:
    return [a.value for a in resolved.args if a.keyword is None and not a.star]


def _splat_kwargs(ev: Evaluator, resolved: Resolved, scope: Scope) -> dict[str, cst.BaseExpression]:
    """``client.create(**params)`` with ``params = {"model": ..., "messages": ...}`` (or ``dict(...)``) bound once
    where the call can see it: its entries by static key, as if passed by keyword."""
    out: dict[str, cst.BaseExpression] = {}
    for a in resolved.args:
        if a.star != "**" or not isinstance(a.value, cst.Name):
            continue
        bindings = ev.bindings_of(a.value.value, scope) or []
        if len(bindings) != 1 or bindings[0][0] != "expr":
            continue
        built = bindings[0][1]
        if isinstance(built, cst.Dict) or (
            isinstance(built, cst.Call) and isinstance(built.func, cst.Name) and built.func.value == "dict"
        ):
            for key, value in _dict_items(ev, built, scope).items():
                out.setdefault(key, value)
    return out


def _details(ev: Evaluator, site: Site, client: Client, resolved: Resolved, scope: Scope) -> None:
    kw = {**_splat_kwargs(ev, resolved, scope), **_kwargs(resolved)}
    pos = _positional(resolved)
    kind, api = client.kind, site.api
    # model
    model_expr = kw.get("model") or kw.get("modelId") or kw.get("model_id") or kw.get("engine")
    if model_expr is None and kind in ("litellm-module", "litellm-router", "replicate") and pos:
        model_expr = pos[0]
    site.model = ev.static_str(model_expr, scope) if model_expr is not None else None
    if site.model is None and model_expr is not None and kind == "http":
        site.model = None
    if site.model is None:
        site.model = client.model
    # options
    options: dict[str, Any] = dict(client.options)
    for name, expr in kw.items():
        if name in OPTION_NAMES:
            options[name] = ev.option_value(expr, scope)
    for nested in ("config", "generation_config", "inferenceConfig", "options", "sampling_params"):
        if nested in kw:
            options.update(_nested_options(ev, kw[nested], scope))
    splats = [a.value for a in resolved.args if a.star == "**"]
    if splats:  # options passed through ``**kwargs``: unknown statically, recorded so rules do not assume absence
        options["**"] = ev.option_value(splats[0], scope)
    body = None
    if kind == "http":
        body = kw.get("json")
        if body is None and "data" in kw:
            body = _json_dumps_arg(_resolve_expr(ev, kw["data"], scope)[0])  # data=json.dumps(...) or a local of it
    if kind == "bedrock" and "body" in kw:
        body = _json_dumps_arg(_resolve_expr(ev, kw["body"], scope)[0])
    body_items = _dict_items(ev, body, scope) if body is not None else {}
    if body_items:
        if site.model is None and "model" in body_items:
            site.model = ev.static_str(body_items["model"], scope)
        for name, expr in body_items.items():
            if name in OPTION_NAMES or name in ("max_tokens_to_sample", "maxTokens", "num_predict"):
                options[name] = ev.option_value(expr, scope)
        if "options" in body_items:
            options.update(_nested_options(ev, body_items["options"], scope))
    site.options = options
    # output schema
    for name in ("response_format", "text_format", "response_model", "json_schema", "response_schema", "format"):
        expr = kw.get(name) or body_items.get(name)
        if expr is not None:
            site.output_schema = ev.source(expr, scope)
            break
    if site.output_schema is None and "config" in kw:
        inner = _nested_exprs(ev, kw["config"], scope)
        if "response_schema" in inner:
            site.output_schema = ev.source(inner["response_schema"], scope)
    site.output_schema = site.output_schema or client.schema
    # tools
    tools_expr = kw.get("tools") or kw.get("functions") or body_items.get("tools")
    names = list(client.tools)
    if tools_expr is not None:
        names += tool_names(ev, tools_expr, scope)
        site.tool_nodes = build_tools(ev, tools_expr, scope)
    site.tools = tuple(dict.fromkeys(names))
    # stream / async
    stream_opt = options.get("stream")
    site.stream = (
        stream_opt is True
        or api in clients.STREAMING_APIS
        or "with_streaming_response" in client.path
        or (kind == "hf-pipeline" and False)
    )
    site.is_async = (
        site.info.awaited
        or client.is_async
        or api.split(".")[-1] in _ASYNC_NAMES
        or api.endswith("_async")
        or api.startswith("aio.")
    )
    # prompt
    site.messages = _prompt(ev, site, client, kw, pos, body_items, scope)
    files = [m for m in site.messages if m.origin == "template-file"]
    site.template_file = _template_file_of(ev, site, kw, pos, scope) if files else None
    site.labels = tuple(labels_from_schema(ev, site.output_schema, scope)) or tuple(labels_from_prompt(site.messages))


_ASYNC_NAMES = {"acreate", "acompletion", "atext_completion", "ainvoke", "abatch", "astream", "achat", "acomplete"}


def _json_dumps_arg(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(expr, cst.Call) and dotted(expr.func) in JSON_DUMPS and expr.args:
        return expr.args[0].value
    return expr if isinstance(expr, cst.Dict) else None


def _resolve_expr(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, Scope]:
    """Follow a local name to the expression first assigned to it."""
    for _ in range(5):
        held = ev.bound_state(expr, scope)
        if (
            held is not None
        ):  # ``self.messages`` set earlier in the method, the object read as one construction built it
            expr, scope = held
            continue
        if not isinstance(expr, cst.Name):
            break
        bindings = ev.bindings_of(expr.value, scope) or []
        first = _reaching_binding(bindings, expr, scope) or next((b for b in bindings if b[0] == "expr"), None)
        if first is None:
            break
        expr, scope = first[1], first[2]
    return expr, scope


def _reaching_binding(bindings: list, use: cst.Name, scope: Scope) -> Any:
    """Of a local name assigned afresh several times in one function (``messages = [...]`` for a first request,
    ``messages = [...]`` again for the next), the assignment that reaches ``use``: the last one written before it.
    None where that cannot be told: a single assignment, one in another scope, one re-reading the name itself
    (``prompt = prompt.strip()``: the first is what it builds on), or positions unknown."""
    plain = [b for b in bindings if b[0] == "expr" and len(b) > 2]
    if len(plain) < 2 or len(plain) != len(bindings) or any(b[2] is not scope for b in plain):
        return None
    if any(_mentions_name(b[1], use.value) for b in plain):
        return None
    at = scope.module.pos(use)
    if at is None:
        return None
    before = []
    for b in plain:
        p = scope.module.pos(b[1])
        if p is None:
            return None
        if (p.start.line, p.start.column) < (at.start.line, at.start.column):
            before.append(((p.start.line, p.start.column), b))
    return max(before, key=lambda x: x[0])[1] if before else None


def _dict_items(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> dict[str, cst.BaseExpression]:
    expr, scope = _resolve_expr(ev, expr, scope)
    out: dict[str, cst.BaseExpression] = {}
    if isinstance(expr, cst.Dict):
        for el in expr.elements:
            if isinstance(el, cst.DictElement):
                key = ev.static_str(el.key, scope)
                if key:
                    out[key] = el.value
    elif isinstance(expr, cst.Call):  # dict(...), types.GenerateContentConfig(...)
        for a in expr.args:
            if a.keyword is not None:
                out[a.keyword.value] = a.value
    return out


def _nested_exprs(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> dict[str, cst.BaseExpression]:
    return _dict_items(ev, expr, scope)


def _nested_options(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> dict[str, Any]:
    out = {}
    for name, value in _dict_items(ev, expr, scope).items():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        if snake in OPTION_NAMES or snake in ("max_output_tokens", "stop_sequences", "top_k"):
            out[snake] = ev.option_value(value, scope)
    return out


# ---- prompts ---------------------------------------------------------------------------------------------------------
_ROLES = {
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
    "system": "system",
    "developer": "developer",
    "tool": "tool",
    "model": "assistant",
}
_MESSAGE_CLASSES = {
    "SystemMessage": "system",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "ToolMessage": "tool",
    "SystemMessagePromptTemplate": "system",
    "HumanMessagePromptTemplate": "user",
}


def message_helper_content(call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
    """A role-named message helper called with the text alone (``self.system_message(text)``, ``user_msg(text)``,
    often an abstract method each provider class implements as ``{"role": ..., "content": text}``): its role and the
    text argument. None for any other call (a helper whose name holds no role or no message word)."""
    words = re.split(r"[^a-z]+", (dotted(call.func) or "").rsplit(".", 1)[-1].lower())
    if "message" not in words and "msg" not in words:
        return None
    role = next((_ROLES[w] for w in words if w in _ROLES and w not in ("model", "tool")), None)
    if role is None:
        return None
    content = arg(call, "content") or arg(call, "message") or arg(call, "text") or arg(call, "msg")
    pos = [a.value for a in call.args if a.keyword is None and not a.star]
    if content is None and len(pos) == 1:
        content = pos[0]
    return (role, content) if content is not None else None


def _message(role: str, text: Text) -> Message:
    text = templates.with_slots(text)  # slots of a template file ({{ x }}, <$x$>, !<INPUT 0>!, $x, {x}) as holes
    return Message(role, tuple(text.parts), text.origin)


def _prompt(
    ev: Evaluator,
    site: Site,
    client: Client,
    kw: dict[str, cst.BaseExpression],
    pos: list[cst.BaseExpression],
    body: dict[str, cst.BaseExpression],
    scope: Scope,
) -> list[Message]:
    kind, api = client.kind, site.api
    out: list[Message] = []
    system = kw.get("system") or kw.get("instructions") or kw.get("preamble") or body.get("system")
    if system is not None:
        out.extend(_system(ev, system, scope))
    if kind == "chain":
        out.extend(_chain_prompt(ev, client, scope))
        if pos:
            out.extend(_input_messages(ev, pos[0], scope, role="user", only_text=True))
        return out
    if kind in ("genai", "gemini-model", "chat-session", "genai-live"):
        contents = kw.get("contents") or kw.get("content") or kw.get("message") or (pos[0] if pos else None)
        contents = contents if contents is not None else kw.get("input")  # ``interactions.create(input=...)``
        contents = contents if contents is not None else kw.get("turns")  # a live session's ``send_client_content``
        cfg = _nested_exprs(ev, kw["config"], scope) if "config" in kw else {}
        if "system_instruction" in kw:  # ``interactions.create(system_instruction=...)``
            out.extend(_system(ev, kw["system_instruction"], scope))
        if "system_instruction" in cfg:
            out.extend(_system(ev, cfg["system_instruction"], scope))
        if contents is not None:
            out.extend(_input_messages(ev, contents, scope, role="user"))
        return out
    source = (
        kw.get("messages")
        or kw.get("input")
        or kw.get("input_data")  # any-llm's Responses call
        or kw.get("prompt")
        or kw.get("message")
        or kw.get("prompts")
        or kw.get("inputs")
        or kw.get("text")
        or body.get("messages")
        or body.get("prompt")
        or body.get("inputText")
        or body.get("input")
        or body.get("inputs")
        or body.get("contents")
    )
    if source is None and kind == "hf-model":
        encoded = _engine_input(site, kw, pos)
        if encoded is not None:
            text = _encoded_text(ev, encoded, scope)
            if text is not None:
                return out + _input_messages(ev, text[0], text[1], role="prompt")
    if source is None and pos and kind not in ("http", "http-client"):  # an HTTP call's positional is its URL
        index = 1 if kind in ("litellm-module", "litellm-router") and len(pos) > 1 else 0
        source = pos[index] if kind not in ("litellm-module", "litellm-router") or len(pos) > 1 else None
    if source is None and kind == "http":
        sent = kw.get("json") or kw.get("data")
        if isinstance(sent, cst.Name):
            out.extend(_prompt_written(ev, sent.value, scope))
    if source is None:
        return out
    single = api.endswith(("completions.create", "text_completion", "generate", "complete", "text_generation"))
    single = single and not api.startswith("chat") and "messages" not in kw
    out.extend(_input_messages(ev, source, scope, role="prompt" if single else "user"))
    return out


_TOKENIZER_NAME = lazy(r"(?:^|_)(?:tokeni[sz]er|tok|processor)$", re.IGNORECASE)
_TOKENIZER_METHODS = frozenset({"encode", "encode_plus", "batch_encode_plus", "apply_chat_template", "__call__"})
_TENSOR_STEPS = frozenset({"to", "cuda", "cpu", "unsqueeze"})


def _engine_input(site: Site, kw: dict[str, cst.BaseExpression], pos: list[cst.BaseExpression]) -> Any:
    """What a local engine's ``generate`` is handed as its input tensors: ``**inputs``, ``input_ids=...`` /
    ``inputs=...``, or the first positional argument."""
    for a in site.info.node.args:
        if a.star == "**":
            return a.value
    return kw.get("input_ids") or kw.get("inputs") or (pos[0] if pos else None)


def _encoded_text(ev: Evaluator, expr: Any, scope: Scope, depth: int = 0) -> tuple[Any, Scope] | None:
    """The text a local engine's input tensors were encoded from (CALLSITES.md: a local engine's ``generate`` is a
    request; its prompt is what the tokenizer encoded): ``inputs = tokenizer(text, return_tensors="pt").to(device)``
    then ``model.generate(**inputs)`` / ``generate(inputs.input_ids)`` / ``generate(input_ids=inputs["input_ids"])``;
    also ``tok.encode(text)``, ``tok.apply_chat_template(messages)``, ``processor(text=texts, images=...)``. A batch
    sliced out of a list (``texts[i : i + n]``) holds that list's prompts. None when no tokenizer call is seen."""
    node = expr
    for _ in range(8):  # the tensors moved, or one field of the encoding read
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _TENSOR_STEPS
        ):
            node = node.func.value
        elif (isinstance(node, cst.Attribute) and node.attr.value in ("input_ids", "data")) or (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.slice[0].slice.value, cst.SimpleString)
        ):
            node = node.value
        else:
            break
    if isinstance(node, cst.Name) and depth < 4:
        bound = _bound_before(ev, node, scope)
        return _encoded_text(ev, bound[0], bound[1], depth + 1) if bound is not None else None
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in _TOKENIZER_METHODS:
        owner = (dotted(func.value) or "").rsplit(".", 1)[-1]
    else:
        owner = (dotted(func) or "").rsplit(".", 1)[-1]
    if not owner or not _TOKENIZER_NAME.search(owner):
        return None
    text = next(
        (a.value for a in node.args if a.keyword is not None and a.keyword.value in ("text", "conversation")), None
    )
    if text is None:
        text = next((a.value for a in node.args if a.keyword is None and not a.star), None)
    if text is None:
        return None
    return _batch_source(ev, text, scope), scope


def _bound_before(ev: Evaluator, name: cst.Name, scope: Scope) -> tuple[Any, Scope] | None:
    """The value a local holds where ``name`` is read: its one assignment, or of several in the same function
    (``batch = texts[i : i + n]`` then ``batch = tok(batch)``) the last one written above the read."""
    bindings = ev.bindings_of(name.value, scope) or []
    if len(bindings) == 1 and bindings[0][0] == "expr" and len(bindings[0]) > 2:
        return bindings[0][1], bindings[0][2]
    if not bindings or any(b[0] != "expr" or len(b) < 3 or b[2] is not scope for b in bindings):
        return None
    at = start_line(scope, name)

    def above(node: cst.CSTNode) -> bool:  # written above the read, not the assignment the read is part of
        pos = scope.module.pos(node)
        return pos is not None and 0 < pos.start.line < at and pos.end.line < at

    before = [b for b in bindings[:16] if above(b[1])]
    if not before:
        return None
    last = max(before, key=lambda b: start_line(scope, b[1]))
    return last[1], last[2]


def _batch_source(ev: Evaluator, expr: Any, scope: Scope) -> Any:
    """``batch = prompts[i : i + n]`` (or the slice itself): one batch of the list ``prompts``, which holds the
    prompts; a list built by a comprehension (``prompts = [T.format(q=q) for q in qs]``) holds prompts written by its
    element; any other expression is itself."""
    for _ in range(3):
        node = expr
        if isinstance(node, cst.Name):
            bound = _bound_before(ev, node, scope)
            if bound is not None and bound[1] is scope:
                node = bound[0]
        if (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Slice)
            and isinstance(node.value, cst.Name | cst.Attribute)
        ):
            expr = node.value
            continue
        if isinstance(node, cst.ListComp | cst.GeneratorExp) and node is not expr:
            return node.elt
        break
    return expr


def _system(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Message]:
    r, rs = _resolve_expr(ev, expr, scope)
    if isinstance(r, cst.List):  # bedrock / anthropic blocks: [{"text": ...}]
        msgs = []
        for el in r.elements:
            if isinstance(el, cst.Element):
                msgs.append(_message("system", _content(ev, el.value, rs)))
        return msgs
    return [_message("system", ev.text(expr, scope))]


def _input_messages(
    ev: Evaluator, expr: cst.BaseExpression, scope: Scope, role: str, only_text: bool = False
) -> list[Message]:
    extended = _self_extended(ev, expr, scope) if not only_text else None
    if extended is not None:  # ``msgs = history.copy()`` then ``msgs = [system] + msgs``: each side, the name as before
        last, before, bs = extended
        out = []
        for side in (last.left, last.right) if before is not None else _sum_sides(last):
            same = isinstance(side, cst.Name) and side.value == expr.value  # type: ignore[union-attr]
            if same and before is None:  # the caller's list, as handed in (or filtered): its messages are data
                out.append(Message(role, (PromptPart(side.value, hole=True),), "dynamic"))  # type: ignore[union-attr]
                continue
            out += _input_messages(ev, before, bs, role) if same else _input_messages(ev, side, scope, role)
        return out
    r, rs = _resolve_expr(ev, expr, scope)
    if isinstance(r, cst.BinaryOperation) and isinstance(r.operator, cst.Add) and _is_list_sum(r):
        # [SystemMessage(content=prompt)] + history: the messages of each side, in order
        return _input_messages(ev, r.left, rs, role, only_text) + _input_messages(ev, r.right, rs, role, only_text)
    if isinstance(r, cst.BinaryOperation) and isinstance(r.operator, cst.Add) and not only_text:
        filled = _filled_parts(ev, r, rs, role)
        if filled is not None:
            return filled
    if isinstance(r, cst.List | cst.Tuple) and not only_text:
        out = []
        for el in r.elements:
            if not isinstance(el, cst.Element):
                out.append(Message("user", (PromptPart(ev.source(el, rs), hole=True),), "dynamic"))
                continue
            msg = _one_message(ev, el.value, rs)
            if (
                msg is not None
                and msg.origin == "dynamic"
                and isinstance(el.value, cst.Name | cst.Call | cst.Attribute)
            ):
                text = ev.text(el.value, rs)  # a text in the list (``system_msgs=[PROMPT.format(...)]``): one message
                if any(not p.hole and p.text.strip() for p in text.parts):
                    msg = _message(role, text)
            if msg is not None:
                out.append(msg)
        if isinstance(expr, cst.Name) and r is not expr:
            appended = _appended(ev, expr.value, scope)
            if any(m.role == "assistant" for m in appended):
                # the model's own answers are appended too: a conversation the list carries from turn to turn
                out.append(Message("user", (PromptPart(f"*{expr.value}", hole=True),), "dynamic"))
            out.extend(appended)
        return out
    if isinstance(r, cst.Dict) and only_text:
        return []
    if isinstance(r, cst.Dict) and (entry := _payload_prompt(ev, r, rs)) is not None:
        # a whole request payload handed over (``send({"model": m, "messages": msgs, ...})``): what its prompt entry
        # holds
        return _input_messages(ev, entry, rs, role="prompt" if _entry_key(ev, r, entry, rs) == "prompt" else role)
    if (
        isinstance(r, cst.Call)
        and not only_text
        and (held := arg(r, "messages")) is not None
        and (dotted(r.func) or "").rsplit(".", 1)[-1][:1].isupper()
    ):
        # a request object handed over (``send_request(LlmRequest(user=u, messages=[LlmMessage(role="user",
        # content=PROMPT)], temperature=0))``): the messages it is built with
        return _input_messages(ev, held, rs, role)
    if (
        isinstance(r, cst.Call)
        and not only_text
        and len(r.args) == 1
        and r.args[0].keyword is None
        and not (isinstance(r.func, cst.Attribute) and r.func.attr.value in ("join", "format"))  # text, not messages
    ):
        inner = r.args[0].value  # ``llm.format_msg(memory + [UserMessage(PROMPT)])``: a list handed through a helper
        if isinstance(inner, cst.List) or (
            isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Add) and _is_list_sum(inner)
        ):
            return _input_messages(ev, inner, rs, role, only_text)
        if (
            isinstance(inner, cst.Name)
            # not ``messages = self._rewrite(messages)``: the argument is the name as it was before that rebinding,
            # and resolving it here would only find the rebinding again
            and not (isinstance(expr, cst.Name) and inner.value == expr.value)
            and _passes_through(ev, r, rs)
        ):
            # ``self._compatible(context)`` returning ``context`` or ``strip_images(context)``: the list it is handed
            return _input_messages(ev, inner, rs, role, only_text)
    if isinstance(r, cst.Call) and not only_text and (given := _rendered_through(ev, r, rs)) is not None:
        # ``prompt = self.template.render(messages=final)``: a renderer handing the messages it is given on (as they
        # are, or only cut to a length / put through a chat template): the messages handed in
        return _input_messages(ev, given, rs, role, only_text)
    chained = _fluent_messages(ev, r, rs) if not only_text else None
    if chained:
        return chained
    turns = _thread_messages(ev, r, rs) if not only_text else None
    if turns:
        return turns
    if isinstance(r, cst.Call) and not only_text and templates.reads_named_files(ev, r, rs):
        # ``msgs = compose("plan.system.txt", area="planning")``: messages built from the files the call's
        # arguments pick (``templates.reader_call_value``), not the helper's list read without them
        held = _message_table(ev.value(r, rs))
        if held:
            return held
    if isinstance(r, cst.Call) and not only_text:
        # a prompt template filled (``template.format_messages(...)``), here or by a builder returning it
        # (``messages = self.build_messages(item)``): the messages its constructor wrote
        v = ev.value(r, rs)
        if isinstance(v, Client) and v.kind == "prompt" and v.prompt_key is not None:
            held = _chain_prompt(ev, v, rs)
            if held:
                return held
    built = _builder_return(ev, r, rs)
    if (
        built is not None
        and isinstance(built[0], cst.List | cst.Tuple | cst.BinaryOperation)
        # not a list the builder starts empty and fills in a loop (``context = []`` ... ``return context``): what it
        # holds is known at run time only, the messages added after the call still count
        and not (isinstance(built[0], cst.List) and not built[0].elements)
    ):
        return _input_messages(ev, built[0], built[1], role, only_text)  # messages = self.build_messages(task)
    if isinstance(r, cst.Call) and not only_text and (filled := _builder_appends(ev, r, rs)):
        return filled  # ``return messages`` after ``messages.append({"role": "user", "content": PROMPT.format(...)})``
    if isinstance(r, cst.Call) and not only_text and "message" in (dotted(r.func) or "").lower():
        msg = _one_message(ev, r, rs)  # one message object handed over: ``step(make_user_message(content=...))``
        if msg is not None and msg.origin != "dynamic":
            return [msg]
    fn = scope.enclosing_function()
    if (
        isinstance(expr, cst.Name)
        and not only_text
        and not isinstance(r, cst.List | cst.Tuple)
        and fn is not None
        and expr.value not in {p.name.value for p in fn.params}
        and isinstance(r, cst.Call)
        and (dotted(r.func) or "") in ("json.loads", "json.load")
    ):
        # ``messages = json.loads(demos)`` then ``messages.insert(0, {system})`` / ``messages.append({user})``: the
        # list loaded at run time (not known here), with the messages the function puts around it (a parameter's list
        # is the caller's, see ``_substitute``)
        before, after = _inserted(ev, expr.value, scope), _appended(ev, expr.value, scope)
        if before or after:
            return [*before, _message(role, ev.text(expr, scope)), *after]
    if isinstance(expr, cst.Name) and not only_text:
        walked = _walked_table(ev, expr.value, scope)
        if walked:  # ``for msgs in batch: llm.infer(msgs)`` over a list the function appends message lists to
            return walked
    if isinstance(r, cst.ListComp) and not only_text and isinstance(r.elt, cst.Call) and r.for_in.inner_for_in is None:
        # ``[self.template.fill(item) for item in dataset]`` handed to a batch sender: the messages the builder
        # writes for each item (the same template each time)
        each = _input_messages(ev, r.elt, rs, role)
        if any(m.origin != "dynamic" and m.static_text().strip() for m in each):
            return each
    if isinstance(r, cst.Call | cst.ListComp) and not only_text:
        # ``manager.render(name="extract", text=t)``: a message list kept as data (a template module's); a batch of
        # such lists built in a comprehension carries the same messages for each item
        held = _message_table(ev.value(r.elt if isinstance(r, cst.ListComp) else r, rs))
        if held:
            return held
    if isinstance(expr, cst.Name) and not only_text:
        written = _item_written(ev, expr.value, scope)
        if written:  # the history handed in, its last turn rewritten with the function's own template
            return [_message(role, ev.text(expr, scope)), *written]
    if (
        isinstance(expr, cst.Name)
        and not only_text
        and fn is not None
        and isinstance(r, cst.Call)
        and expr.value not in {p.name.value for p in fn.params}
        and (at := scope.module.pos(expr)) is not None
    ):
        # ``context = self._history()`` (or ``list(self.thread)``) then ``context.append(UserMessage(content=PROMPT))``
        # before the send: the history the call built, then the turn the function writes itself
        appended = appended_messages(ev, expr.value, scope, at.start.line)
        if any(m.origin != "dynamic" and m.static_text().strip() for m in appended):
            return [_message(role, ev.text(expr, scope)), *appended]
    if isinstance(expr, cst.Name) and not only_text and fn is not None and r is expr:
        # the conversation handed in as a parameter, with a turn the function writes itself appended before it is
        # sent (``messages.append({"role": "user", "content": f"Write ... {listing}"})``): the caller's history, then
        # the function's own instruction; appends of what was handed in alone stay the caller's (``_substitute``)
        at = scope.module.pos(expr)
        if expr.value in {p.name.value for p in fn.params} and at is not None:
            appended = appended_messages(ev, expr.value, scope, at.start.line)  # the turns written above the send
            if any(m.origin != "dynamic" and m.static_text().strip() for m in appended):
                return [_message(role, ev.text(expr, scope)), *appended]
    held = None if only_text else _held_history_turns(ev, expr, scope, role, fn)
    if held is not None:
        return held
    fetched = r.expression if isinstance(r, cst.Await) else r
    if (
        isinstance(expr, cst.Name | cst.Call | cst.Await)
        and isinstance(fetched, cst.Call)
        and templates.names_stored_prompt(fetched)
    ):
        # ``messages = await prompts.get_payload(task_prompt_name="summary", task_inputs={...})``: a prompt the
        # function picks by name from a store and fills, read at run time: the call it comes from, not a message
        # list the name suggests was handed in; the prompt files it names, where the tree holds them, are its text
        stored = templates.stored_prompts(ev, fetched, rs)
        if stored:
            return [_message("system" if k.startswith("system") else role, t) for k, t in stored]
        return [_message(role, ev.text(fetched, rs))]
    return [_message(role, ev.text(expr, scope))]


def _message_table(value: object) -> list[Message]:
    """The messages of a message list held as data (role / content entries with texts), else none."""
    items = value.value if isinstance(value, Const) else None
    if not isinstance(items, list | tuple) or not items or not all(isinstance(i, dict) for i in items):
        return []
    out: list[Message] = []
    for item in items:
        role, content = item.get("role"), item.get("content")
        name = role.static() if isinstance(role, Text) else role.value if isinstance(role, Const) else None
        kind = _ROLES.get(name, "user") if isinstance(name, str) else "user"
        if isinstance(content, Text):
            out.append(_message(kind, content))
        elif "content" in item:  # a content made at run time (a converter's result): a hole of that turn
            out.append(Message(kind, (PromptPart("content", hole=True),), "dynamic"))
        else:
            return []
    return out if any(m.origin != "dynamic" for m in out) else []


def _walked_table(ev: Evaluator, name: str, scope: Scope) -> list[Message]:
    """The messages of each item of a local list that a loop (or comprehension) variable walks, when the function
    fills that list by appending message lists kept as data (``batch.append(manager.render(name="qa", ...))``);
    ``tqdm(batch)`` / ``enumerate``-free wrappers around the list are looked through."""
    walks = [b for b in (ev.bindings_of(name, scope) or ()) if b[0] == "for" and len(b) > 2]
    if len(walks) != 1 or not isinstance(walks[0][1], cst.BaseExpression):
        return []
    walked, fn = walks[0][1], walks[0][2]
    while isinstance(walked, cst.Call) and walked.args and walked.args[0].keyword is None:
        walked = walked.args[0].value  # ``tqdm(batch, desc=...)``, ``list(batch)``
    if not isinstance(walked, cst.Name):
        return []
    for args in _list_calls(walked.value, "append", fn):
        held = _message_table(ev.value(args[0].value, fn))
        if held:
            return held
    return []


_PAYLOAD_PROMPT_KEYS = ("messages", "prompt", "contents", "inputs", "input")
_PAYLOAD_MODEL_KEYS = frozenset({"model", "model_name", "engine", "temperature", "max_tokens", "stream"})


def _payload_prompt(ev: Evaluator, payload: cst.Dict, scope: Scope) -> cst.BaseExpression | None:
    """The prompt entry of a dict display shaped like a model request (a prompt key next to the model or a
    generation setting), else None: a message dict (``role`` / ``content``) is no payload."""
    entries: dict[str, cst.BaseExpression] = {}
    for el in payload.elements:
        if isinstance(el, cst.DictElement):
            key = ev.static_str(el.key, scope)
            if key is not None:
                entries[key] = el.value
    if not entries.keys() & _PAYLOAD_MODEL_KEYS:
        return None
    return next((entries[k] for k in _PAYLOAD_PROMPT_KEYS if k in entries), None)


def _entry_key(ev: Evaluator, payload: cst.Dict, value: cst.BaseExpression, scope: Scope) -> str | None:
    return next(
        (
            ev.static_str(el.key, scope)
            for el in payload.elements
            if isinstance(el, cst.DictElement) and el.value is value
        ),
        None,
    )


def _filled_parts(ev: Evaluator, expr: cst.BinaryOperation, scope: Scope, role: str) -> list[Message] | None:
    """A method that joins message lists its object holds (``return self.head + self.body``) whose attributes the
    code that builds the object fills from outside (``parts = Parts()``, ``parts.head = [system]``): the messages of
    each part in order, the ones filled as written there; None when no part is filled that way."""
    leaves: list[cst.BaseExpression] = []
    stack: list[cst.BaseExpression] = [expr]
    while stack and len(leaves) < 32:
        e = stack.pop()
        if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
            stack += [e.right, e.left]
        else:
            leaves.append(e)
    fn = scope.enclosing_function()
    cls = fn.enclosing_class() if fn is not None else None
    if cls is None or not fn.params:
        return None
    me = fn.params[0].name.value
    if not all(isinstance(x, cst.Attribute) and isinstance(x.value, cst.Name) and x.value.value == me for x in leaves):
        return None
    if stack or (id(ev), cls.key) in _FILLING:  # too many parts, or a part filled from the same join: no reading
        return None
    _FILLING.add((id(ev), cls.key))
    try:
        out: list[Message] = []
        found = False
        for leaf in leaves:
            written = ev.filled_attr(cls.key, leaf.attr.value)  # type: ignore[attr-defined]
            if not written:
                out.append(Message("user", (PromptPart(ev.source(leaf, scope), hole=True),), "dynamic"))
                continue
            found = True
            out += _input_messages(ev, written[0][1], written[0][2], role)
    finally:
        _FILLING.discard((id(ev), cls.key))
    return out if found else None


_FILLING: set[tuple[int, str]] = set()  # (evaluator, class) whose joined parts are being read


def _item_written(ev: Evaluator, name: str, scope: Scope) -> list[Message]:
    """Messages a function writes into a message list it then sends: ``messages[-1]["content"] = TEMPLATE.format(q)``
    or ``messages[-1] = Message("user", text)`` (only writes that hold text of the function's own)."""
    fn = scope.enclosing_function() or scope
    out = []
    for target, value in fn.item_writes.get(name, ())[:8]:
        whole = isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)
        msg = _one_message(ev, value, scope) if whole else None
        if msg is None or msg.origin == "dynamic":
            msg = _message("user", ev.text(value, scope))
        if any(not p.hole and p.text.strip() for p in msg.parts):
            out.append(msg)
    return out


def _written_key(target: cst.BaseExpression, ev: Evaluator, scope: Scope) -> bool:
    """Whether an item write's target names a prompt entry on its way (``payload["messages"][0]["content"]``,
    ``body["prompt"]``), not a request setting (``payload["model"]``)."""
    node = target
    for _ in range(6):
        if not isinstance(node, cst.Subscript):
            return False
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = ev.static_str(node.slice[0].slice.value, scope)
            if key in _PAYLOAD_PROMPT_KEYS or key == "content":
                return True
        node = node.value
    return False


def _prompt_written(ev: Evaluator, name: str, scope: Scope) -> list[Message]:
    """The prompt an HTTP request body gets by item writes before it is sent: a payload received or loaded at run time
    (``payload = json.loads(payload)``) whose message is overwritten with the function's own text
    (``payload["messages"][0]["content"] = prompt``), then sent (``data=json.dumps(payload)`` kept in the same name).
    Writes of request settings (``payload["model"] = ...``) hold no prompt."""
    fn = scope.enclosing_function() or scope
    out = []
    for target, value in fn.item_writes.get(name, ())[:8]:
        if not _written_key(target, ev, scope):
            continue
        msg = _message("user", ev.text(value, scope))
        if any(not p.hole and p.text.strip() for p in msg.parts):
            out.append(msg)
    return out


# ``add_system_message`` / ``with_user_msg`` / ``append_assistant_message``: one message of a role added by a builder
_ROLE_METHOD = re.compile(
    r"(?:add|with|append|push)_?(system|user|human|assistant|ai|developer)_?(?:message|msg)", re.I
)


def _fluent_messages(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Message] | None:
    """A fluent message builder (``Builder().add_system_message(a).add_user_message(b).build()``, also when the
    chain is kept in a local first): one message per role method with its text, in order; None when there is none."""
    found: list[tuple[str, cst.BaseExpression, Scope]] = []
    cur, cs = expr, scope
    for _ in range(40):
        if isinstance(cur, cst.Call) and isinstance(cur.func, cst.Attribute):
            m = _ROLE_METHOD.fullmatch(cur.func.attr.value)
            if m is not None and cur.args and not cur.args[0].star:
                found.append((_ROLES[m.group(1).lower()], cur.args[0].value, cs))
            cur = cur.func.value
        elif isinstance(cur, cst.Name):
            nxt, ns = _resolve_expr(ev, cur, cs)
            if nxt is cur:
                break
            cur, cs = nxt, ns
        else:
            break
    if not found:
        return None
    return [_message(role, ev.text(text, s)) for role, text, s in reversed(found)]


# ``thread.add_user(text)`` / ``convo.append_system_message(text)`` / ``history.add_model(reply)``: one turn of a role
# added to a conversation object by a statement
_ROLE_TURN = re.compile(
    r"(?:add|append|push)_?(system|user|human|assistant|ai|model|developer)(?:_?(?:message|msg|turn|prompt))?", re.I
)
_COPIES = frozenset({"deepcopy", "copy.deepcopy", "copy", "copy.copy"})


def _thread_messages(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Message] | None:
    """A conversation object exported whole by a method taking no arguments (``thread.to_msg()``) whose turns the
    code adds with role methods on the same local (``thread.add_system(S)``; ``thread.add_user(U)``): the turns added
    before the export (and those after it in a loop around both, which the next round sends), after the turns of the
    thread it was copied from or of the project function that built and returned it. A conversation held in an
    attribute of ``self`` (``self.thread.add_user(U)``) starts with the turns its class's ``__init__`` adds. None when
    no turn is added (an object the code only hands on)."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args):
        return None
    holder = expr.func.value
    at = start_line(scope, expr)
    if isinstance(holder, cst.Name):
        return _thread_turns(ev, holder.value, scope, 0, at) or None
    fn = scope.enclosing_function()
    if not (isinstance(holder, cst.Attribute) and fn is not None and fn.params and isinstance(holder.value, cst.Name)):
        return None
    if holder.value.value != fn.params[0].name.value or fn.enclosing_class() is None:
        return None  # an attribute of ``self`` in a method
    key = f"{holder.value.value}.{holder.attr.value}"
    cls = fn.enclosing_class()
    init = next((s for s in fn.module.scopes if s.qualname == f"{cls.qualname}.__init__"), None)  # type: ignore[union-attr]
    start = _added_turns(ev, init, key, 0) if init is not None and init is not fn else []
    return (start + _added_turns(ev, fn, key, at)) or None


def _thread_turns(ev: Evaluator, name: str, scope: Scope, depth: int, at: int) -> list[Message]:
    """The turns added to the conversation local ``name`` by role methods in the function that binds it before line
    ``at`` (0: all of them) or in a loop around ``at``, after the turns of what it was first bound to (a copy of
    another such local, or a project function returning one)."""
    bindings = [b for b in (ev.bindings_of(name, scope) or ()) if b[0] == "expr" and len(b) > 2]
    if not bindings or depth > 3:
        return []
    home: Scope = bindings[0][2]
    first = bindings[0][1]
    return _thread_origin(ev, first, home, depth, start_line(home, first)) + _added_turns(ev, home, name, at)


def _added_turns(ev: Evaluator, home: Scope, holder: str, at: int) -> list[Message]:
    """The turns role methods add to ``holder`` (``d`` / ``self.d``) in the function ``home``: before line ``at``
    (0: all), the ones after it in a loop around it first (the next round sends them before the ones ahead of it)."""
    loops = [span for span in _loop_spans(home) if span[0] <= at <= span[1]]
    inner = min(loops, key=lambda span: span[1] - span[0], default=None)
    earlier: list[Message] = []  # before the loop around the export (or before the export)
    prior_round: list[Message] = []  # after the export in a loop around it: sent by the next round, first
    this_round: list[Message] = []  # in the innermost loop, before the export
    for ci in home.calls:
        f = ci.node.func
        if not (isinstance(f, cst.Attribute) and dotted(f.value) == holder):
            continue
        m = _ROLE_TURN.fullmatch(f.attr.value)
        if m is None or not ci.node.args or ci.node.args[0].star:
            continue
        line = start_line(home, ci.node)
        if at and line >= at and not any(a <= line <= b for a, b in loops):
            continue  # added after the export, outside any loop that comes back to it
        role = m.group(1).lower()
        msg = _message(
            _ROLES.get(role, "assistant" if role == "model" else "user"), ev.text(ci.node.args[0].value, home)
        )
        if at and line >= at:
            prior_round.append(msg)
        elif inner is not None and line >= inner[0]:
            this_round.append(msg)
        else:
            earlier.append(msg)
    return earlier + prior_round + this_round


def _thread_origin(ev: Evaluator, first: cst.BaseExpression, scope: Scope, depth: int, at: int) -> list[Message]:
    """The turns a conversation local starts with: those of the local it copies at line ``at`` (``deepcopy(prefix)``,
    ``prefix.copy()``) or of the local a project function builds and returns (``self._start_thread()``)."""
    if not isinstance(first, cst.Call):
        return []
    f = first.func
    if (dotted(f) or "") in _COPIES and first.args and isinstance(first.args[0].value, cst.Name):
        return _thread_turns(ev, first.args[0].value.value, scope, depth + 1, at)
    if isinstance(f, cst.Attribute) and f.attr.value == "copy" and isinstance(f.value, cst.Name) and not first.args:
        return _thread_turns(ev, f.value.value, scope, depth + 1, at)
    fn = _called_function(ev, first, scope)
    if fn is None or len(fn.returns) != 1 or not isinstance(fn.returns[0], cst.Name):
        return []
    return _thread_turns(ev, fn.returns[0].value, fn, depth + 1, 0)


def _loop_spans(fn: Scope) -> list[tuple[int, int]]:
    """The line spans of the ``for`` / ``while`` loops in a function's own body."""
    out = fn.derived.get("loop_spans")
    if out is None:
        out = fn.derived["loop_spans"] = []
        todo, seen = list(fn.node.children), 0
        while todo and seen < 5000:
            node, seen = todo.pop(), seen + 1
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue  # another scope
            if isinstance(node, cst.For | cst.While) and (pos := fn.module.pos(node)) is not None:
                out.append((pos.start.line, pos.end.line))
            todo.extend(node.children)
    return out


def _called_function(ev: Evaluator, call: cst.Call, scope: Scope) -> Scope | None:
    """The scope of the project function a call names, else None."""
    try:
        callee = ev.value(call.func, scope)
    except RecursionError:
        return None
    if not isinstance(callee, Function):
        return None
    fn = ev.scopes.get(callee.key)
    return None if fn is scope else fn


def fluent_messages(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Message] | None:
    """The messages of a fluent builder chain an expression (or the local it names) holds; None when it is none."""
    r, rs = _resolve_expr(ev, expr, scope)
    return _fluent_messages(ev, r, rs)


def _passes_through(ev: Evaluator, call: cst.Call, scope: Scope) -> bool:
    """``call`` is a call of a project function whose every return hands back its first parameter, as it is or
    through one call taking it alone (``return messages`` / ``return remove_images(messages)``) or a comprehension
    over it: a message list passed through a filter, the same messages."""
    fn = _called_function(ev, call, scope)
    if fn is None or not fn.returns or len(fn.returns) > 4:
        return False
    names = [p.name.value for p in fn.params]
    if fn.enclosing_class() is not None and names and names[0] in ("self", "cls") and not is_staticmethod(fn):
        names = names[1:]
    if not names:
        return False
    first = names[0]

    def same(e: cst.BaseExpression | None) -> bool:
        if isinstance(e, cst.Name):
            return e.value == first
        if isinstance(e, cst.Call) and len(e.args) == 1 and e.args[0].keyword is None and not e.args[0].star:
            return isinstance(e.args[0].value, cst.Name) and e.args[0].value.value == first
        if isinstance(e, cst.ListComp) and len(e.for_in.children) > 0:
            return (
                isinstance(e.for_in.iter, cst.Name) and e.for_in.iter.value == first and e.for_in.inner_for_in is None
            )
        return False

    return all(same(e) for e in fn.returns)


def _rendered_through(ev: Evaluator, call: cst.Call, scope: Scope, depth: int = 0) -> cst.BaseExpression | None:
    """``_handed_through``, None where reading it recurses too deep (a call reached deep in the evaluator's stack)."""
    try:
        return _handed_through(ev, call, scope, depth)
    except RecursionError:
        return None


def _handed_through(ev: Evaluator, call: cst.Call, scope: Scope, depth: int = 0) -> cst.BaseExpression | None:
    """The argument ``call`` hands a project function that gives that parameter back: one ``return`` hands it on as
    it is (or through such a call: ``return self._cut(messages)``), and every other ``return`` built from it adds no
    text of its own (a prompt cut to a length by token ids, messages joined or put through a chat template) and is no
    model answer. Returns built only from other parameters (``render(question=q)`` filling the class's own template)
    are another branch, not this one. None otherwise."""
    fn = _called_function(ev, call, scope)
    if fn is None or not fn.returns or len(fn.returns) > 8 or depth > 3 or any(a.star for a in call.args):
        return None
    names = [p.name.value for p in fn.params if not p.star]
    if fn.enclosing_class() is not None and names and names[0] in ("self", "cls") and not is_staticmethod(fn):
        names = names[1:]
    for i, a in enumerate(call.args):
        name = a.keyword.value if a.keyword is not None else (names[i] if i < len(names) else None)
        if name is None or name not in names or not all(_reworks(fn, b, name) for b in fn.bindings.get(name, ())):
            continue  # (a parameter rebound to something else in the body is not what the caller handed)
        handed_on = False
        for ret in fn.returns:
            if isinstance(ret, cst.Name) and ret.value == name:
                handed_on = True
                continue
            derived, own_text = _derivation(fn, ret, name)
            if not derived:
                continue
            if own_text or isinstance(ev.value(ret, fn), Answer):
                break
            if isinstance(ret, cst.Call) and (inner := _rendered_through(ev, ret, fn, depth + 1)) is not None:
                handed_on = handed_on or (isinstance(inner, cst.Name) and inner.value == name)
        else:
            if handed_on:
                return a.value
    return None


def _reworks(fn: Scope, b: Any, name: str) -> bool:
    """Whether a binding of the parameter ``name`` keeps what was handed in: the parameter itself, or the name
    rebound to something built from it with no text of its own (``prompt = tok.decode(ids[:half])``)."""
    if b[0] == "param":
        return True
    if b[0] != "expr" or len(b) < 3 or b[2] is not fn:
        return False
    derived, own = _derivation(fn, b[1], name)
    return derived and not own


def _builder_appends(ev: Evaluator, call: cst.Call, scope: Scope) -> list[Message]:
    """``_appended_by_builder``, none where reading it recurses too deep."""
    try:
        return _appended_by_builder(ev, call, scope)
    except RecursionError:
        return []


def _appended_by_builder(ev: Evaluator, call: cst.Call, scope: Scope) -> list[Message]:
    """A call of a project function that starts a message list empty, appends the turns it writes and returns it by
    name (``messages = []`` ... ``messages.append({"role": "user", "content": self.user_prompt.format(...)})`` ...
    ``return messages``): those turns, in order, when one of them holds text the code writes; else none."""
    fn = _called_function(ev, call, scope)
    if fn is None or len(fn.returns) != 1 or not isinstance(fn.returns[0], cst.Name):
        return []
    name = fn.returns[0].value
    bound = fn.bindings.get(name, ())
    if len(bound) != 1 or bound[0][0] != "expr" or not isinstance(bound[0][1], cst.List) or bound[0][1].elements:
        return []
    at = fn.module.pos(fn.returns[0])
    if at is None:
        return []
    turns = appended_messages(ev, name, fn, at.start.line)
    return turns if any(m.origin != "dynamic" and m.static_text().strip() for m in turns) else []


def _derivation(fn: Scope, expr: cst.BaseExpression, name: str) -> tuple[bool, bool]:
    """Whether ``expr`` is built from the local ``name`` of ``fn`` (through the locals it reads, as they are assigned
    in ``fn``), and whether what it is built of holds text of its own (a literal of three words or more)."""
    seen: set[str] = set()
    todo: list[cst.CSTNode] = [expr]
    derived = own = False
    while todo and len(seen) < 32:
        node = todo.pop()
        for n in _read_names(node):
            if n == name:
                derived = True
            elif n not in seen:
                seen.add(n)
                todo.extend(b[1] for b in fn.bindings.get(n, ())[:8] if b[0] == "expr" and len(b) > 2)
        own = own or _holds_words(node)
    return derived, own


def _read_names(node: cst.CSTNode, depth: int = 0) -> list[str]:
    """The names an expression reads (not the attribute names after a dot, nor keyword names)."""
    if isinstance(node, cst.Name):
        return [node.value]
    if depth > 16:
        return []
    if isinstance(node, cst.Attribute):
        return _read_names(node.value, depth + 1)
    if isinstance(node, cst.Arg):
        return _read_names(node.value, depth + 1)
    out: list[str] = []
    for c in node.children:
        out += _read_names(c, depth + 1)
    return out


def _holds_words(node: cst.CSTNode, depth: int = 0) -> bool:
    """Whether a literal of three words or more is written in ``node``."""
    if isinstance(node, cst.SimpleString):
        v = node.evaluated_value
        return isinstance(v, str) and len(v.split()) >= 3
    if isinstance(node, cst.FormattedStringText):
        return len(node.value.split()) >= 3
    if depth > 16:
        return False
    return any(_holds_words(c, depth + 1) for c in node.children)


def is_staticmethod(fn: Scope) -> bool:
    """Whether a method is a ``@staticmethod``: its first parameter is one its caller passes, no ``self``."""
    return any(isinstance(d, cst.Name) and d.value == "staticmethod" for d in fn.decorators)


def _builder_return(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
    """A call of a project function that builds a prompt (``self.render_system_message()``): its one return
    expression, in the function's scope (its parameters stay holes)."""
    if not isinstance(expr, cst.Call):
        return None
    fn = _called_function(ev, expr, scope)
    if fn is None or len(fn.returns) != 1:
        return None
    ret, fs = _resolve_expr(ev, fn.returns[0], fn)
    return ret, fs


def _self_extended(
    ev: Evaluator, expr: cst.BaseExpression, scope: Scope
) -> tuple[cst.BinaryOperation, cst.BaseExpression | None, Scope] | None:
    """A local message list last rebound to itself with messages added (``msgs = [system] + msgs`` /
    ``msgs = msgs + [turn]``) after one plain assignment: that last list sum, and the expression the name held
    before it (``history.copy()``), which the sum's own mention of the name stands for. Where the name is a parameter
    (the caller's message list), rebound at most to a filter or copy of itself before the sum
    (``msgs = [m for m in msgs if ...]``): the sum, and None for what the name held (the caller's messages)."""
    if not isinstance(expr, cst.Name):
        return None
    fn = scope.enclosing_function()
    bindings = [b for b in (ev.bindings_of(expr.value, scope) or ()) if b[0] == "expr" and len(b) > 2]
    handed = _handed_list_sum(expr.value, fn, bindings) if fn is not None else None
    if handed is not None:
        return handed, None, fn  # type: ignore[return-value]
    if fn is None or len(bindings) != 2 or any(b[2] is not fn for b in bindings):
        return None
    (_, before, bs), (_, last, _) = bindings
    if isinstance(before, cst.Name):
        return None  # ``msgs = other`` then ``msgs = [x] + msgs``: followed no further (two such lists may loop)
    if not (isinstance(last, cst.BinaryOperation) and isinstance(last.operator, cst.Add) and _is_list_sum(last)):
        return None
    sides = [last.left, last.right]
    if not any(isinstance(x, cst.Name) and x.value == expr.value for x in sides) or _mentions_name(before, expr.value):
        return None
    return last, before, bs


def _handed_list_sum(name: str, fn: Scope, bindings: list[Any]) -> cst.BinaryOperation | None:
    """``def name_it(msgs): msgs = [m for m in msgs if ...]; msgs = [system] + msgs + [ask]``: the last list sum
    a parameter of ``fn`` is rebound to with itself as one of its sides, every earlier rebinding derived from the
    parameter itself; None elsewhere."""
    if not bindings or len(bindings) > 3 or any(b[2] is not fn for b in bindings):
        return None
    if not any(p.name.value == name and not p.star for p in fn.params):
        return None
    last = bindings[-1][1]
    if not (isinstance(last, cst.BinaryOperation) and isinstance(last.operator, cst.Add) and _is_list_sum(last)):
        return None
    if not any(isinstance(x, cst.Name) and x.value == name for x in _sum_sides(last)):
        return None
    if not all(_mentions_name(b[1], name) for b in bindings[:-1]):
        return None
    return last


def _sum_sides(expr: cst.BinaryOperation) -> list[cst.BaseExpression]:
    """The operands of a chain of ``+`` (``[a] + msgs + [b]``), left to right."""
    sides: list[cst.BaseExpression] = []
    node: cst.BaseExpression = expr
    for _ in range(16):
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            sides.insert(0, node.right)
            node = node.left
            continue
        break
    return [node, *sides]


def _mentions_name(node: cst.CSTNode, name: str, depth: int = 0) -> bool:
    if isinstance(node, cst.Name):
        return node.value == name
    if depth > 12:
        return False
    return any(_mentions_name(c, name, depth + 1) for c in node.children)


def _is_list_sum(expr: cst.BinaryOperation, depth: int = 0) -> bool:
    """``[...] + x`` / ``x + [...]`` (chains of them): a message list built by concatenation, not string text."""
    for side in (expr.left, expr.right):
        if isinstance(side, cst.List | cst.ListComp):
            return True
        if (
            depth < 10
            and isinstance(side, cst.BinaryOperation)
            and isinstance(side.operator, cst.Add)
            and _is_list_sum(side, depth + 1)
        ):
            return True
    return False


def input_messages(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, role: str = "user") -> list[Message]:
    """The messages an expression stands for (a message list, one message object, or text) as a request sends it."""
    return _input_messages(ev, expr, scope, role=role)


def appended_messages(ev: Evaluator, name: str, scope: Scope, before: int) -> list[Message]:
    """The messages a function adds to a list by name with ``<name>.append({...})`` on a line before ``before``."""
    return [m for _, m in appended_turns(ev, name, scope, before)]


def appended_turns(ev: Evaluator, name: str, scope: Scope, before: int) -> list[tuple[cst.CSTNode | None, Message]]:
    """``appended_messages`` with the statement each ``<name>.append({...})`` stands in (None when not known); a
    conversation object's ``<name>.add_message(Message(role=..., content=...))`` adds a turn as well, and ``name`` may
    be a dotted path (``ctx.history``, see ``_held_history_turns``)."""
    out = []
    for ci in scope.calls:
        f = ci.node.func
        if not (
            isinstance(f, cst.Attribute)
            and f.attr.value in _TURN_ADDERS
            and (dotted(f.value) or "") == name
            and ci.node.args
        ):
            continue
        pos = scope.module.pos(ci.node)
        if pos is None or pos.start.line >= before:
            continue
        msg = _one_message(ev, ci.node.args[0].value, scope)
        if msg is not None:
            out.append((ci.statement, msg))
    return out


_TURN_ADDERS = frozenset({"append", "add_message"})  # a list's ``append``, a conversation object's ``add_message``


def _held_history_turns(
    ev: Evaluator, expr: cst.BaseExpression, scope: Scope, role: str, fn: Scope | None
) -> list[Message] | None:
    """``ctx.history.add_message(Message(role="user", content=PLAN.format(task=ctx.task)))`` then
    ``service.reply(ctx.history, settings)``: a conversation held in an attribute of an object the function reaches
    (a parameter's, ``self``'s), sent after the function adds a turn it writes itself. The messages are the held
    history, then that turn; None when the expression is no such attribute path or no turn added above the send holds
    text of the function's own (turns of data alone leave the history the caller's)."""
    if fn is None or not isinstance(expr, cst.Attribute):
        return None
    path = dotted(expr)
    at = scope.module.pos(expr)
    if not path or at is None:
        return None
    # the turns added since the last send of the same conversation above this one (``facts = reply(ctx.history)``,
    # then a planning turn added and ``plan = reply(ctx.history)``): the earlier turns were that send's question
    sent = [
        pos.start.line
        for ci in scope.calls
        if not (isinstance(ci.node.func, cst.Attribute) and ci.node.func.attr.value in _TURN_ADDERS)
        and any(dotted(a.value) == path for a in ci.node.args)
        and (pos := scope.module.pos(ci.node)) is not None
        and pos.start.line < at.start.line
    ]
    since = max(sent, default=0)
    appended = [
        m
        for stmt, m in appended_turns(ev, path, scope, at.start.line)
        if stmt is None or (p := scope.module.pos(stmt)) is None or p.start.line > since
    ]
    if not any(m.origin != "dynamic" and m.static_text().strip() for m in appended):
        return None
    return [_message(role, ev.text(expr, scope)), *appended]


def trailing_turns(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Message]:
    """``[system(TASK)] + history + [user("Now answer ...")]``: the messages of the list written last in a chain of
    joined lists, when an operand before it is not a list written there (the data the turns follow); [] for
    anything else."""
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add)):
        return []
    if not isinstance(expr.right, cst.List | cst.Tuple):
        return []
    left: cst.BaseExpression = expr.left
    data = False
    for _ in range(16):
        if isinstance(left, cst.BinaryOperation) and isinstance(left.operator, cst.Add):
            data = data or not isinstance(left.right, cst.List | cst.Tuple)
            left = left.left
            continue
        data = data or not isinstance(left, cst.List | cst.Tuple)
        break
    if not data:
        return []
    out = []
    for el in expr.right.elements:
        if isinstance(el, cst.Element):
            msg = _one_message(ev, el.value, scope)
            if msg is not None:
                out.append(msg)
    return out


def _list_calls(name: str, method: str, scope: Scope) -> list[Any]:
    """The arguments of each ``<name>.<method>(...)`` call in the same function (``messages.append(...)``)."""
    out = []
    for ci in scope.calls:
        f = ci.node.func
        if (
            isinstance(f, cst.Attribute)
            and f.attr.value == method
            and isinstance(f.value, cst.Name)
            and f.value.value == name
            and ci.node.args
        ):
            out.append(ci.node.args)
    return out


def _appended(ev: Evaluator, name: str, scope: Scope) -> list[Message]:
    """Messages added later by ``messages.append({...})`` in the same function."""
    out = []
    for args in _list_calls(name, "append", scope):
        msg = _one_message(ev, args[0].value, scope)
        if msg is not None:
            out.append(msg)
    return out


def _inserted(ev: Evaluator, name: str, scope: Scope) -> list[Message]:
    """Messages put at the head of a list by ``messages.insert(0, {...})`` in the same function."""
    out = []
    for args in _list_calls(name, "insert", scope):
        if len(args) == 2 and isinstance(args[0].value, cst.Integer) and args[0].value.value == "0":
            msg = _one_message(ev, args[1].value, scope)
            if msg is not None and msg.origin != "dynamic":
                out.insert(0, msg)
    return out


def _one_message(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Message | None:
    if isinstance(expr, cst.Name) and depth < 4:  # ``[system] + msgs`` where ``system = {"role": ..., ...}``
        held = [b for b in (ev.bindings_of(expr.value, scope) or ()) if b[0] == "expr" and len(b) > 2]
        if held and isinstance(held[-1][1], cst.Dict) and held[-1][2] is scope.enclosing_function():
            msg = _one_message(ev, held[-1][1], held[-1][2], depth + 1)  # the message dict it is last bound to
            if msg is not None:
                return msg
        if (
            held
            and isinstance(held[-1][1], cst.Call)
            and held[-1][2] is scope.enclosing_function()
            and (
                "PromptTemplate" in (dotted(held[-1][1].func) or "") or message_helper_content(held[-1][1]) is not None
            )
        ):
            # ``human = HumanMessagePromptTemplate.from_template("...")`` then ``from_messages([system, human])``:
            # the message object it is last bound to, when that call is a message the code writes
            msg = _one_message(ev, held[-1][1], held[-1][2], depth + 1)
            if msg is not None and msg.origin != "dynamic":
                return msg
    if isinstance(expr, cst.Dict):
        role, content = "user", None
        for el in expr.elements:
            if not isinstance(el, cst.DictElement):
                continue
            key = ev.static_str(el.key, scope)
            if key == "role":
                role = _ROLES.get(ev.static_str(el.value, scope) or "", "user")
            elif key in ("content", "parts", "text"):
                content = el.value
        if content is None:
            return None
        return _message(role, _content(ev, content, scope))
    if isinstance(expr, cst.Tuple) and len(expr.elements) == 2:
        role = ev.static_str(expr.elements[0].value, scope) or ""
        if role == "placeholder":
            return None
        text = _format_template(ev.text(expr.elements[1].value, scope))
        return _message(_ROLES.get(role, "user"), text)
    if isinstance(expr, cst.Call):
        name = (dotted(expr.func) or "").rsplit(".", 1)[-1]
        if name in ("from_template",) and isinstance(expr.func, cst.Attribute):
            name = (dotted(expr.func.value) or "").rsplit(".", 1)[-1]
        role = _MESSAGE_CLASSES.get(name)
        if name == "ChatMessage":
            role = _ROLES.get(ev.static_str(arg(expr, "role"), scope) or "", "user")
        if role is not None:
            # ``SystemMessagePromptTemplate(prompt=PromptTemplate(template=...))``: the template object it wraps
            content = arg(expr, "content", 0) or arg(expr, "template", 0) or arg(expr, "prompt")
            if content is None:
                return None
            text = ev.text(content, scope)
            return _message(role, _format_template(text) if "Template" in name else text)
        pos = [a.value for a in expr.args if a.keyword is None and not a.star]
        role_expr = arg(expr, "role") or (pos[0] if pos else None)
        role_name = ev.static_str(role_expr, scope) if role_expr is not None else None
        if role_name in _ROLES:  # a message helper: format_chat_message("system", text)
            content = arg(expr, "content") or arg(expr, "message") or arg(expr, "text")
            if content is None and role_expr is (pos[0] if pos else None) and len(pos) > 1:
                content = pos[1]
            if content is not None:
                return _message(_ROLES[role_name], ev.text(content, scope))
        helper = message_helper_content(expr)
        if helper is not None:  # ``Message.user_message(text)``, ``self.system_message(text)``: the text, its role
            return _message(helper[0], ev.text(helper[1], scope))
        content = arg(expr, "content", 0 if name.endswith("Message") else None)
        if content is not None and "message" in name.lower():
            # a message factory of the project or a framework (``make_user_message(role_name=..., content=text)``,
            # ``UserMessage(content=text)``): the role its name says, the text its ``content``
            low = name.lower()
            guess = "system" if "system" in low else "assistant" if "assistant" in low else "user"
            return _message(guess, ev.text(content, scope))
        built = _builder_return(ev, expr, scope)
        if built is not None and depth < 4 and isinstance(built[0], cst.Call | cst.Dict | cst.Tuple):
            msg = _one_message(ev, built[0], built[1], depth + 1)  # self.render_system_message(): its message
            if msg is not None and msg.origin != "dynamic":
                return msg
    return Message("user", (PromptPart(ev.source(expr, scope), hole=True),), "dynamic")


def _content(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> Text:
    r, rs = _resolve_expr(ev, expr, scope)
    if isinstance(r, cst.List):
        texts = []
        for el in r.elements:
            if isinstance(el, cst.Element) and isinstance(el.value, cst.Dict):
                for d in el.value.elements:
                    if isinstance(d, cst.DictElement) and ev.static_str(d.key, rs) == "text":
                        texts.append(ev.text(d.value, rs))
            elif isinstance(el, cst.Element):
                texts.append(ev.text(el.value, rs))
        if not r.elements and isinstance(expr, cst.Name):
            texts = _appended_text_parts(ev, expr.value, rs)
        if texts:
            from slmc.frontend.resolve import concat

            return concat(texts, texts[0].origin)
    return ev.text(expr, scope)


def _appended_text_parts(ev: Evaluator, name: str, scope: Scope) -> list[Text]:
    """The text parts of a multimodal content list a function starts empty and fills by ``append`` (``parts.append(
    {"type": "image", ...})``, ``parts.append({"type": "text", "text": TEMPLATE.format(...)})``): the ``text`` entry of
    each appended dict, in order."""
    texts: list[Text] = []
    for ci in scope.calls[:256]:
        f = ci.node.func
        if not (isinstance(f, cst.Attribute) and f.attr.value == "append" and (dotted(f.value) or "") == name):
            continue
        if len(ci.node.args) != 1 or not isinstance(ci.node.args[0].value, cst.Dict):
            continue
        for d in ci.node.args[0].value.elements:
            if isinstance(d, cst.DictElement) and ev.static_str(d.key, ci.scope) == "text":
                texts.append(ev.text(d.value, ci.scope))
    return texts


def _format_template(text: Text) -> Text:
    """LangChain templates: ``{var}`` in static text becomes a hole."""
    parts: list[PromptPart] = []
    for p in text.parts:
        if p.hole:
            parts.append(p)
            continue
        pos = 0
        for m in re.finditer(r"(?<!\{)\{(\w+)\}(?!\})", p.text):
            parts.append(PromptPart(p.text[pos : m.start()]))
            parts.append(PromptPart(m.group(1), hole=True))
            pos = m.end()
        parts.append(PromptPart(p.text[pos:]))
    return Text(tuple(x for x in parts if x.text or x.hole), text.origin, text.template_file)


def _chain_prompt(ev: Evaluator, client: Client, scope: Scope) -> list[Message]:
    if client.prompt_key is None:
        return []
    call = next((n for n in ev.keep if id(n) == client.prompt_key), None)
    if not isinstance(call, cst.Call) or not call.args:
        return []
    owner = _scope_of(ev, call) or scope
    first = call.args[0].value
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    if method == "from_messages":
        return _input_messages(ev, first, owner, role="user")
    # LlamaIndex's ``ChatPromptTemplate(message_templates=[ChatMessage(...)])``, LangChain's older
    # ``ChatPromptTemplate(input_variables=[...], messages=[SystemMessagePromptTemplate.from_template(...), ...])``
    listed = arg(call, "message_templates") or arg(call, "messages")
    if listed is not None:
        return _input_messages(ev, listed, owner, role="user")
    filed = _template_file_text(ev, call, owner)
    if filed is not None:  # a prompt-template library's chain over a template file it names
        return [_message("user", filed)]
    template = arg(call, "template", 0)
    return [_message("user", _format_template(ev.text(template, owner)))] if template is not None else []


def _template_file_text(ev: Evaluator, call: cst.Call, owner: Scope) -> Text | None:
    """The text of the template file a template-file chain builder names (``llm_generation_chain("query.prompt",
    ...)``, ``template_file="prompts/rerank.prompt"``): the file of that name in the tree, nearest first."""
    callee = ev.value(call.func, owner)
    spec = clients.TEMPLATE_FILE_CHAINS.get(callee.qname) if isinstance(callee, Ref) else None
    if spec is None:
        return None
    name = ev.static_str(arg(call, spec[1], 0), owner)
    if not name:
        return None
    path = templates.find_template(ev, name, owner.module.path)
    found = templates.read_template(ev, path) if path is not None else None
    return found if isinstance(found, Text) else None


def prompt_template_messages(ev: Evaluator, client: Client, scope: Scope) -> list[Message]:
    """The messages of the LangChain prompt template ``client`` holds, as its constructor wrote them."""
    return _chain_prompt(ev, client, scope)


def _scope_of(ev: Evaluator, call: cst.Call) -> Scope | None:
    for scope in list(ev.scopes.values()) + [m.scope for m in ev.project.modules.values()]:
        if any(ci.node is call for ci in scope.calls):
            return scope
    return None


def _template_file_of(
    ev: Evaluator, site: Site, kw: dict[str, cst.BaseExpression], pos: list[cst.BaseExpression], scope: Scope
) -> str | None:
    for expr in [*kw.values(), *pos]:
        r, rs = _resolve_expr(ev, expr, scope)
        for node in _walk_exprs(r):
            if isinstance(node, cst.BaseExpression):
                v = ev.value(node, rs)
                if isinstance(v, Text) and v.template_file:
                    return v.template_file
                t = ev.text(node, rs) if isinstance(node, cst.Call | cst.Name) else None
                if t is not None and t.template_file:
                    return t.template_file
    return None


def _walk_exprs(node: cst.CSTNode, depth: int = 0) -> list[cst.CSTNode]:
    if depth > 6:
        return []
    out = [node]
    for child in node.children:
        out.extend(_walk_exprs(child, depth + 1))
    return out


# ---- labels, tools ---------------------------------------------------------------------------------------------------
_ONE_OF = lazy(
    r"\bone of(?: the following)?(?: \w+)?\s*[:\-]?\s*(\[?[\"'`]?[\w\-]+[\"'`]?(?:\s*(?:,|\||/|\bor\b)\s*[\"'`]?[\w\- ]+?[\"'`]?)+)\]?\s*(?:[.;)\n]|$)",
    re.IGNORECASE,
)


def labels_from_prompt(messages: list[Message]) -> list[str]:
    for m in messages:
        text = m.static_text()
        match = _ONE_OF.search(text)
        if not match:
            continue
        items = re.split(r"\s*(?:,|\||/|\bor\b)\s*", match.group(1).strip("[]"))
        labels = [i.strip().strip("\"'`[] ") for i in items]
        labels = [lab for lab in labels if lab and len(lab) <= 40 and len(lab.split()) <= 3]
        if 2 <= len(labels) <= 60:
            return labels
    return []


def labels_from_schema(ev: Evaluator, schema: str | None, scope: Scope) -> list[str]:
    """A closed label set in a pydantic model / Enum (``Literal[...]`` field, Enum members) or a JSON schema enum."""
    if not schema:
        return []
    try:
        expr = cst.parse_expression(schema)
    except Exception:
        return []
    is_class = isinstance(expr, cst.Name) and isinstance(ev.lookup(expr.value, scope), Class)
    if isinstance(expr, cst.Dict) or (isinstance(expr, cst.Name) and not is_class):
        found = re.findall(r"[\"']enum[\"']\s*:\s*\[([^\]]*)\]", schema)
        if not found and isinstance(expr, cst.Name):
            r, rs = _resolve_expr(ev, expr, scope)
            found = re.findall(r"[\"']enum[\"']\s*:\s*\[([^\]]*)\]", rs.module.code(r))
        if found:
            return [s.strip().strip("\"'") for s in found[0].split(",") if s.strip()]
        return []
    value = ev.value(expr, scope)
    if not isinstance(value, Class):
        return []
    return class_labels(ev, value.key)


def class_labels(ev: Evaluator, key: str) -> list[str]:
    cls = ev.scopes.get(key)
    if cls is None:
        return []
    base_names = {(dotted(b) or "").rsplit(".", 1)[-1] for b in cls.bases}
    if base_names & {"Enum", "StrEnum", "IntEnum"}:
        out = []
        for name, bindings in cls.bindings.items():
            for b in bindings:
                if b[0] == "expr":
                    v = ev.value(b[1], b[2])
                    out.append(str(v.value) if isinstance(v, Const) else name)
        return out
    for annotation in cls.annotations.values():
        labels = literal_labels(ev, annotation, cls)
        if labels:
            return labels
    return []


def literal_labels(ev: Evaluator, annotation: cst.BaseExpression, scope: Scope) -> list[str]:
    if isinstance(annotation, cst.Subscript):
        name = (dotted(annotation.value) or "").rsplit(".", 1)[-1]
        if name == "Literal":
            out = []
            for el in annotation.slice:
                if isinstance(el.slice, cst.Index):
                    v = ev.value(el.slice.value, scope)
                    if isinstance(v, Const) and isinstance(v.value, str | int):
                        out.append(str(v.value))
            return out
        for el in annotation.slice:
            if isinstance(el.slice, cst.Index):
                inner = literal_labels(ev, el.slice.value, scope)
                if inner:
                    return inner
    v = ev.value(annotation, scope)
    if isinstance(v, Class):
        return class_labels(ev, v.key) if ev.scopes.get(v.key) is not scope else []
    return []


def build_tools(ev: Evaluator, expr: cst.BaseExpression, scope: Scope) -> list[Tool]:
    """Tool nodes (name, description, JSON schema) from literal tool dicts or plain/@tool functions."""
    r, rs = _resolve_expr(ev, expr, scope)
    if not isinstance(r, cst.List | cst.Tuple):
        return []
    out: list[Tool] = []
    for el in r.elements:
        if not isinstance(el, cst.Element):
            continue
        v = el.value
        if isinstance(v, cst.Dict):
            try:
                data = plain(ev, v, rs, lenient=True)
            except ValueError:
                continue  # a key that is not static (``{name: ...}``): no tool read from this entry
            if isinstance(data, dict):
                spec = data.get("function") or data.get("toolSpec") or data
                if isinstance(spec, dict) and isinstance(spec.get("name"), str):
                    params = spec.get("parameters") or spec.get("input_schema") or spec.get("inputSchema")
                    if isinstance(params, dict) and "json" in params:
                        params = params["json"]
                    out.append(
                        Tool(
                            f"tool:{spec['name']}",
                            name=spec["name"],
                            description=str(spec.get("description", "")),
                            parameters=params if isinstance(params, dict) else None,
                        )
                    )
        elif isinstance(v, cst.Name):
            target, ts = _resolve_expr(ev, v, rs)
            if isinstance(target, cst.Dict):
                out.extend(build_tools(ev, cst.List([cst.Element(target)]), ts))
                continue
            fn = ev.value(v, rs)
            if isinstance(fn, Function):
                tool = function_tool(ev, fn.key)
                if tool is not None:
                    out.append(tool)
    return out


_JSON_TYPES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}


def function_tool(ev: Evaluator, key: str) -> Tool | None:
    fn = ev.scopes.get(key)
    if fn is None or not isinstance(fn.node, cst.FunctionDef):
        return None
    props: dict[str, Any] = {}
    required = []
    for p in fn.params:
        if p.name.value in ("self", "cls"):
            continue
        tp = "string"
        if p.annotation is not None:
            ann = dotted(p.annotation.annotation) or ""
            if isinstance(p.annotation.annotation, cst.Subscript):
                ann = dotted(p.annotation.annotation.value) or ""
            tp = _JSON_TYPES.get(ann.rsplit(".", 1)[-1].lower(), "string")
        props[p.name.value] = {"type": tp}
        if p.default is None:
            required.append(p.name.value)
    schema = {"type": "object", "properties": props, "required": required}
    doc = (fn.docstring or "").strip().split("\n\n")[0]
    pos = fn.module.pos(fn.node)
    from slmc.ir.nodes import Loc

    loc = Loc(fn.module.path, pos.start.line, pos.start.column + 1) if pos else None
    return Tool(f"tool:{fn.name}", name=fn.name, description=doc, parameters=schema, loc=loc)


def plain(ev: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int = 0, lenient: bool = False) -> Any:
    """A JSON-like Python value of a literal expression (constants followed); raises ValueError when not static.
    ``lenient``: a value inside a dict display that is not static (``"parameters": schema`` with ``schema`` a
    function's parameter) reads as None instead, so the dict's static keys (a tool's name and description) are kept;
    the dict keys themselves must still be static."""
    if depth > 20:
        raise ValueError("too deep")
    if isinstance(expr, cst.Dict):
        out = {}
        for el in expr.elements:
            if not isinstance(el, cst.DictElement):
                if lenient:
                    continue  # ``**base``: its keys are unknown, the literal ones beside it still count
                raise ValueError("splat")
            key = plain(ev, el.key, scope, depth + 1)
            try:
                out[key] = plain(ev, el.value, scope, depth + 1, lenient)
            except ValueError:
                if not lenient:
                    raise
                out[key] = None
        return out
    if isinstance(expr, cst.List | cst.Tuple | cst.Set):
        return [plain(ev, el.value, scope, depth + 1, lenient) for el in expr.elements if isinstance(el, cst.Element)]
    if isinstance(expr, cst.Call) and dotted(expr.func) in ("list", "tuple", "sorted") and len(expr.args) == 1:
        return list(plain(ev, expr.args[0].value, scope, depth + 1, lenient))
    if isinstance(expr, cst.Name):
        r, rs = _resolve_expr(ev, expr, scope)
        if r is not expr:
            return plain(ev, r, rs, depth + 1, lenient)
    v = ev.value(expr, scope)
    if isinstance(v, Const) and not isinstance(v.value, dict):
        return list(v.value) if isinstance(v.value, tuple) else v.value
    try:
        return ast.literal_eval(scope.module.code(expr))
    except (ValueError, SyntaxError) as exc:
        raise ValueError("not static") from exc
