"""What counts as an LLM request: client constructors, request methods and module functions, per client family.

Everything is keyed by qualified names as imported (``openai.OpenAI``, ``litellm.completion``) and by member paths on a
client object (``chat.completions.create``). Data only: the evaluator (``evaluate.py``) applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slmc.lazyre import lazy


@dataclass(frozen=True)
class ClientKind:
    family: str  # LLMCall.client
    kind: str  # key of REQUEST_PATHS / FACTORY_PATHS
    is_async: bool = False


# Qualified constructor name -> what the constructed object is.
CONSTRUCTORS: dict[str, ClientKind] = {
    "openai.OpenAI": ClientKind("openai", "openai"),
    "openai.AsyncOpenAI": ClientKind("openai", "openai", True),
    "openai.Client": ClientKind("openai", "openai"),
    "openai.AsyncClient": ClientKind("openai", "openai", True),
    "openai.AzureOpenAI": ClientKind("azure-openai", "openai"),
    "openai.AsyncAzureOpenAI": ClientKind("azure-openai", "openai", True),
    "groq.Groq": ClientKind("groq", "openai"),
    "groq.AsyncGroq": ClientKind("groq", "openai", True),
    "anthropic.Anthropic": ClientKind("anthropic", "anthropic"),
    "anthropic.AsyncAnthropic": ClientKind("anthropic", "anthropic", True),
    "anthropic.Client": ClientKind("anthropic", "anthropic"),
    "anthropic.AsyncClient": ClientKind("anthropic", "anthropic", True),
    "anthropic.AnthropicBedrock": ClientKind("anthropic", "anthropic"),
    "anthropic.AsyncAnthropicBedrock": ClientKind("anthropic", "anthropic", True),
    "anthropic.AnthropicVertex": ClientKind("anthropic", "anthropic"),
    "anthropic.AsyncAnthropicVertex": ClientKind("anthropic", "anthropic", True),
    "litellm.Router": ClientKind("litellm", "litellm-router"),
    "mistralai.Mistral": ClientKind("mistral", "mistral"),
    # the v2 SDK's home of the same client (``from mistralai.client import Mistral``)
    "mistralai.client.Mistral": ClientKind("mistral", "mistral"),
    "mistralai.client.MistralClient": ClientKind("mistral", "mistral-v0"),
    "mistralai.async_client.MistralAsyncClient": ClientKind("mistral", "mistral-v0", True),
    # Replicate's client object runs any hosted model (``client.run("owner/model", input={"prompt": ...})``); the
    # model it names tells a language model from an image one (NON_TEXT_MODEL)
    "replicate.Client": ClientKind("replicate", "replicate"),
    "replicate.client.Client": ClientKind("replicate", "replicate"),
    "cohere.Client": ClientKind("cohere", "cohere"),
    "cohere.ClientV2": ClientKind("cohere", "cohere"),
    "cohere.AsyncClient": ClientKind("cohere", "cohere", True),
    "cohere.AsyncClientV2": ClientKind("cohere", "cohere", True),
    "ollama.Client": ClientKind("ollama", "ollama"),
    # Xinference's REST client (a local model server): ``get_model(uid)`` hands out a model handle that chats
    **{
        f"{pkg}.{path}": ClientKind("xinference", "xinference-client")
        for pkg in ("xinference", "xinference_client")
        for path in (
            "Client",
            "RESTfulClient",
            "client.Client",
            "client.RESTfulClient",
            "client.restful.restful_client.Client",
        )
    },
    "ollama.AsyncClient": ClientKind("ollama", "ollama", True),
    "google.genai.Client": ClientKind("google", "genai"),
    # a Gemini Live API session (``client.aio.live.connect(...)`` yields one; connection classes are handed it)
    "google.genai.live.AsyncSession": ClientKind("google", "genai-live", True),
    "google.generativeai.GenerativeModel": ClientKind("google", "gemini-model"),
    "vertexai.generative_models.GenerativeModel": ClientKind("google", "gemini-model"),
    "vertexai.preview.generative_models.GenerativeModel": ClientKind("google", "gemini-model"),
    "huggingface_hub.InferenceClient": ClientKind("hf", "hf-inference"),
    "huggingface_hub.AsyncInferenceClient": ClientKind("hf", "hf-inference", True),
    "vllm.LLM": ClientKind("vllm", "vllm"),
    # the async serving engine (``generate`` yields the request's outputs as they grow)
    "vllm.AsyncLLMEngine": ClientKind("vllm", "vllm", True),
    "vllm.AsyncLLMEngine.from_engine_args": ClientKind("vllm", "vllm", True),
    "vllm.engine.async_llm_engine.AsyncLLMEngine": ClientKind("vllm", "vllm", True),
    "vllm.engine.async_llm_engine.AsyncLLMEngine.from_engine_args": ClientKind("vllm", "vllm", True),
    "llama_cpp.Llama": ClientKind("llamacpp", "llamacpp"),
    # BAML: the runtime a generated ``baml_client`` builds runs each BAML function, an LLM call with its prompt in .baml
    "baml_py.BamlRuntime.from_files": ClientKind("baml", "baml-runtime"),
    "baml_py.BamlRuntime.from_directory": ClientKind("baml", "baml-runtime"),
    "llama_cpp.Llama.from_pretrained": ClientKind("llamacpp", "llamacpp"),
    # TwelveLabs (video-language models): ``analyze`` / ``analyze_stream`` (and the older ``generate.text`` /
    # ``summarize`` / ``gist``) have the model answer a prompt over a video; ``embed`` and ``search`` are look-alikes
    **{f"twelvelabs.{aio}TwelveLabs": ClientKind("twelvelabs", "twelvelabs", bool(aio)) for aio in ("", "Async")},
    # any-llm (one interface over many providers): ``AnyLLM.create(provider, api_key=...)`` builds a provider object
    # whose ``completion`` / ``responses`` (and their async twins) send the request; ``aembedding`` is a look-alike
    **{f"any_llm.{path}AnyLLM.create": ClientKind("any-llm", "any-llm") for path in ("", "any_llm.", "api.")},
    # Spice (one async client over OpenAI / Anthropic / Azure providers): ``get_response`` and its streaming twin
    # ``stream_response`` send a chat request; ``get_embeddings`` / ``get_transcription`` / ``count_tokens`` are
    # look-alikes
    **{f"spice.{path}Spice": ClientKind("spice", "spice", True) for path in ("", "spice.")},
    "langchain.chat_models.init_chat_model": ClientKind("langchain", "chat-model"),
    "requests.Session": ClientKind("http", "http"),
    "requests.session": ClientKind("http", "http"),
    "httpx.Client": ClientKind("http", "http"),
    "httpx.AsyncClient": ClientKind("http", "http", True),
    "aiohttp.ClientSession": ClientKind("http", "http", True),
    # DashScope's request entities, built by hand in SDK subclasses (``AioHttpRequest(url=...).aio_call()``)
    "dashscope.api_entities.aiohttp_request.AioHttpRequest": ClientKind("dashscope", "dashscope-request", True),
    "dashscope.api_entities.http_request.HttpRequest": ClientKind("dashscope", "dashscope-request"),
    "boto3.Session": ClientKind("aws", "boto3-session"),
    # ZhipuAI, Volcengine Ark, Qianfan v2 and DashScope's compatible mode speak the OpenAI client shape
    "zhipuai.ZhipuAI": ClientKind("zhipuai", "openai"),
    "zai.ZhipuAiClient": ClientKind("zhipuai", "openai"),
    "zai.ZaiClient": ClientKind("zhipuai", "openai"),
    "volcenginesdkarkruntime.Ark": ClientKind("volcengine-ark", "openai"),
    "volcenginesdkarkruntime.AsyncArk": ClientKind("volcengine-ark", "openai", True),
    "qianfan.ChatCompletion": ClientKind("qianfan", "qianfan"),
    "qianfan.Completion": ClientKind("qianfan", "qianfan"),
    "sparkai.llm.llm.ChatSparkLLM": ClientKind("spark", "chat-model"),
    "http.client.HTTPSConnection": ClientKind("http", "http-client"),
    "http.client.HTTPConnection": ClientKind("http", "http-client"),
    "httplib.HTTPSConnection": ClientKind("http", "http-client"),
    # LlamaIndex's response synthesizers and query engines answer with the LLM they hold; a subclass overriding
    # their API (``get_response``, the ``_query`` hook the public ``query`` runs) is reached by the framework
    "llama_index.core.response_synthesizers.BaseSynthesizer": ClientKind("llamaindex", "llamaindex-synth"),
    "llama_index.core.response_synthesizers.base.BaseSynthesizer": ClientKind("llamaindex", "llamaindex-synth"),
    "llama_index.core.get_response_synthesizer": ClientKind("llamaindex", "llamaindex-synth"),
    "llama_index.core.response_synthesizers.get_response_synthesizer": ClientKind("llamaindex", "llamaindex-synth"),
    "llama_index.core.base.base_query_engine.BaseQueryEngine": ClientKind("llamaindex", "llamaindex-engine"),
    "llama_index.core.query_engine.CustomQueryEngine": ClientKind("llamaindex", "llamaindex-engine"),
    "llama_index.core.query_engine.custom.CustomQueryEngine": ClientKind("llamaindex", "llamaindex-engine"),
    # PandasAI's LLM base: its agent calls ``call(instruction)`` on the model it is given
    "pandasai.llm.LLM": ClientKind("pandasai", "pandasai-llm"),
    "pandasai.llm.base.LLM": ClientKind("pandasai", "pandasai-llm"),
    # crewAI: a Crew runs its tasks' LLM calls (kickoff is a framework wrapper); Task/Agent hold the prompt
    "crewai.Crew": ClientKind("crewai", "crew"),
    "crewai.Task": ClientKind("crewai", "crew-task"),
    "crewai.LLM": ClientKind("crewai", "crewai-llm"),
    "crewai.Task.execute_sync": ClientKind("crewai", "crew-task"),
    # smolagents used as a library: agents run model steps (framework wrappers), model classes send requests
    "smolagents.CodeAgent": ClientKind("smolagents", "smol-agent"),
    "smolagents.ToolCallingAgent": ClientKind("smolagents", "smol-agent"),
    "smolagents.MultiStepAgent": ClientKind("smolagents", "smol-agent"),
    # browser-use: an ``Agent(task=..., llm=...)`` runs its browsing steps (the framework's model calls) in ``run``
    "browser_use.Agent": ClientKind("browser-use", "browser-use-agent"),
    "browser_use.agent.service.Agent": ClientKind("browser-use", "browser-use-agent"),
    # agno (formerly phidata): an ``Agent(model=..., instructions=[...])`` or a ``Team(members=[...])`` runs its model
    # steps (and its members') in ``run`` / ``arun`` / ``print_response``
    **{
        f"{pkg}.{path}": ClientKind("agno", "agno-agent")
        for pkg, paths in (
            ("agno", ("agent.Agent", "agent.agent.Agent", "team.Team", "team.team.Team")),
            ("phi", ("agent.Agent", "agent.agent.Agent")),
        )
        for path in paths
    },
    # Google ADK: a ``Runner(agent=..., session_service=...)`` runs its agent on the new message it is handed
    **{
        f"google.adk.{path}": ClientKind("adk", "adk-runner")
        for path in ("Runner", "runners.Runner", "runners.InMemoryRunner")
    },
    # Microsoft Agent Framework: an ``Agent(client=OpenAIChatClient(...), instructions=...)`` (``ChatAgent`` before)
    # runs its model steps in ``run`` / ``run_stream``
    **{
        f"agent_framework.{path}": ClientKind("agent-framework", "maf-agent")
        for path in ("Agent", "ChatAgent", "_agents.Agent", "_agents.ChatAgent")
    },
    # pydantic-ai: an ``Agent(model, system_prompt=..., toolsets=...)`` runs its model steps in ``run`` / ``run_sync``
    "pydantic_ai.Agent": ClientKind("pydantic-ai", "pydantic-agent"),
    # the Claude Agent SDK's session client (``claude_code_sdk`` its former name): ``await client.query(prompt)``
    # runs an agent turn with the options it was opened with (system prompt, allowed tools)
    **{
        f"{pkg}.ClaudeSDKClient": ClientKind("claude-agent-sdk", "claude-agent-client", True)
        for pkg in ("claude_agent_sdk", "claude_code_sdk")
    },
    "pydantic_ai.agent.Agent": ClientKind("pydantic-ai", "pydantic-agent"),
    # a pydantic-ai realtime session (``agent.realtime(model).session()``, or handed in typed as one): its sends carry
    # the caller's turns (text or speech) into the live conversation
    "pydantic_ai.realtime.RealtimeSession": ClientKind("pydantic-ai", "pydantic-realtime-session", True),
    # CAMEL used as a library (its package outside the tree): an agent's ``step`` / ``astep``, a role-playing
    # society's turn, a workforce's ``process_task``, a model backend's ``run`` and a vision toolkit's question are the
    # framework's own wrappers; ``ModelFactory.create`` only builds the backend
    **{
        f"camel.{path}": ClientKind("camel", kind)
        for kind, paths in (
            (
                "camel-agent",
                (
                    *("agents.ChatAgent", "agents.chat_agent.ChatAgent", "agents.CriticAgent", "agents.EmbodiedAgent"),
                    *("agents.critic_agent.CriticAgent", "agents.embodied_agent.EmbodiedAgent"),
                ),
            ),
            # the task agents of ``camel.agents`` (a ChatAgent with its own prompt): ``run`` asks the model once
            (
                "camel-task-agent",
                tuple(
                    f"agents.{n}"
                    for n in ("TaskSpecifyAgent", "TaskPlannerAgent", "RoleAssignmentAgent", "KnowledgeGraphAgent")
                ),
            ),
            ("camel-society", ("societies.RolePlaying", "societies.role_playing.RolePlaying")),
            (
                "camel-workforce",
                ("societies.Workforce", "societies.workforce.Workforce", "societies.workforce.workforce.Workforce"),
            ),
            ("camel-model", ("models.ModelFactory.create", "models.model_factory.ModelFactory.create")),
            (
                "camel-vision",
                (
                    "toolkits.ImageAnalysisToolkit",
                    "toolkits.image_analysis_toolkit.ImageAnalysisToolkit",
                    "toolkits.VideoAnalysisToolkit",
                    "toolkits.video_analysis_toolkit.VideoAnalysisToolkit",
                ),
            ),
        )
        for path in paths
    },
    # Outlines (structured generation): a generator built over a local or remote model (0.x ``generate.json(model,
    # schema)``, 1.x ``Generator(model, type)``) and a 1.x model object (``from_transformers(...)``) send a request
    # when called; building them sends nothing
    **{
        f"outlines.{name}": ClientKind("outlines", "outlines")
        for name in (
            *(f"generate.{g}" for g in ("json", "text", "choice", "regex", "format", "cfg", "fsm")),
            *("Generator", "generator.Generator"),
            *(f"from_{m}" for m in ("transformers", "vllm", "vllm_offline", "llamacpp", "mlxlm", "openai", "ollama")),
        )
    },
    # aider used as a library: a coder (``Coder.create(main_model=..., fnames=...)``) edits files through its model;
    # ``coder.run(prompt)`` is the framework's own wrapper
    **{
        f"aider.coders.{name}": ClientKind("aider", "aider-coder")
        for name in ("Coder", "Coder.create", "base_coder.Coder", "base_coder.Coder.create")
    },
    # DSPy's LM client: ``lm("prompt")`` / ``lm(messages=[...])`` sends a request (LiteLLM underneath)
    **{name: ClientKind("dspy", "dspy-lm") for name in ("dspy.LM", "dspy.clients.LM", "dspy.clients.lm.LM")},
    # DSPy predictors: calling one runs its Signature (docstring + fields) as a prompt on the configured LM
    **{
        f"dspy.{name}": ClientKind("dspy", "dspy-predict")
        for name in (
            *("Predict", "ChainOfThought", "ChainOfThoughtWithHint", "ReAct", "ProgramOfThought", "CodeAct"),
            *("MultiChainComparison", "TypedPredictor", "TypedChainOfThought", "predict.Predict"),
            *("predict.ChainOfThought", "predict.ReAct", "functional.TypedPredictor"),
        )
    },
    "boto3.session.Session": ClientKind("aws", "boto3-session"),
    # the same classes under the module paths an SDK subclass imports them from
    "google.generativeai.generative_models.GenerativeModel": ClientKind("google", "gemini-model"),
    "reka.client.Reka": ClientKind("reka", "reka"),
    "reka.client.AsyncReka": ClientKind("reka", "reka", True),
    "xai_sdk.Client": ClientKind("xai", "xai"),
    "xai_sdk.AsyncClient": ClientKind("xai", "xai", True),
    "ibm_watsonx_ai.foundation_models.ModelInference": ClientKind("watsonx", "watsonx"),
    # the SDK's older model class (and its predecessor package's): ``Model(model_id=..., params=...).generate_text(
    # prompt=...)`` has the same request methods
    **{
        f"{pkg}.foundation_models.{path}": ClientKind("watsonx", "watsonx")
        for pkg in ("ibm_watsonx_ai", "ibm_watson_machine_learning")
        for path in ("Model", "model.Model", "inference.ModelInference")
    },
    # Vertex AI's PaLM-era model classes, loaded by name (``TextGenerationModel.from_pretrained("text-bison")``): a
    # text or code model answers in ``predict``; a chat model opens a session (``start_chat``) whose ``send_message``
    # is the request. ``TextEmbeddingModel`` is a look-alike and not listed.
    **{
        f"vertexai.{pre}language_models.{name}.from_pretrained": ClientKind("google", kind)
        for pre in ("", "preview.")
        for name, kind in (
            ("TextGenerationModel", "vertex-text"),
            ("CodeGenerationModel", "vertex-text"),
            ("ChatModel", "vertex-chat"),
            ("CodeChatModel", "vertex-chat"),
        )
    },
    # Hugging Face's text-generation-inference client (the ``text_generation`` package): ``generate`` and
    # ``generate_stream`` send the prompt to a TGI server
    **{
        f"text_generation.{name}": ClientKind("hf", "tgi", name.endswith("AsyncClient"))
        for name in ("Client", "AsyncClient", "InferenceAPIClient", "InferenceAPIAsyncClient")
    },
    # Oracle Cloud's Generative AI inference client (``client.chat(ChatDetails(...))``; ``embed_text`` is a look-alike)
    "oci.generative_ai_inference.GenerativeAiInferenceClient": ClientKind("oci", "oci-genai"),
    "oci.generative_ai_inference.generative_ai_inference_client.GenerativeAiInferenceClient": ClientKind(
        "oci", "oci-genai"
    ),
    # Azure AI Inference (Azure AI Foundry / GitHub Models): ``ChatCompletionsClient.complete(messages=...)`` sends a
    # chat request, sync or under ``.aio``; its ``EmbeddingsClient`` / ``ImageEmbeddingsClient`` are look-alikes
    **{
        f"azure.ai.inference.{aio}ChatCompletionsClient": ClientKind("azure-inference", "azure-inference", bool(aio))
        for aio in ("", "aio.")
    },
    # LMDeploy: the local inference pipeline (an engine; ``generate`` is the async engine's), the OpenAI-style
    # client of its api_server (``serve`` starts one and returns that client), the legacy Triton chatbot
    "lmdeploy.pipeline": ClientKind("lmdeploy", "lmdeploy-pipeline"),
    "lmdeploy.api.pipeline": ClientKind("lmdeploy", "lmdeploy-pipeline"),
    "lmdeploy.serve": ClientKind("lmdeploy", "lmdeploy-api"),
    "lmdeploy.api.serve": ClientKind("lmdeploy", "lmdeploy-api"),
    "lmdeploy.client": ClientKind("lmdeploy", "lmdeploy-api"),
    "lmdeploy.serve.openai.api_client.APIClient": ClientKind("lmdeploy", "lmdeploy-api"),
    "lmdeploy.serve.turbomind.chatbot.Chatbot": ClientKind("lmdeploy", "lmdeploy-chatbot"),
    # FutureHouse's model libraries used from outside the tree: an ``lmi`` (formerly ``llmclient``) ``LLMModel`` /
    # ``LiteLLMModel`` sends a request in ``call`` / ``call_single`` / ``select_tool`` (LiteLLM underneath); its
    # ``get_router()`` hands out the LiteLLM router. An ``aviary`` ``ToolSelector`` called on the conversation and the
    # tools picks the next tool in one model request; an ``ldp`` ``RolloutManager`` runs the agent it is handed over
    # environments (a framework wrapper).
    **{
        f"{pkg}.{mod}{name}": ClientKind("litellm", "lmi-llm")
        for pkg in ("lmi", "llmclient")
        for mod in ("", "llms.")
        for name in ("LLMModel", "LiteLLMModel", "MultipleCompletionLLMModel")
    },
    **{
        f"aviary.{path}": ClientKind("aviary", "aviary-selector", True)
        for path in ("ToolSelector", "core.ToolSelector", "tools.ToolSelector", "tools.utils.ToolSelector")
    },
    **{
        f"ldp.alg.{path}": ClientKind("ldp", "ldp-rollout", True)
        for path in ("RolloutManager", "rollout.RolloutManager")
    },
    # an AgentRL (``agentrl-worker``) task is handed the session of the agent under test: the task injects the
    # system / user / tool messages into it, and ``action()`` / ``sync_action()`` runs the agent's next turn on that
    # history (a model request the framework makes: a framework wrapper)
    **{f"agentrl.worker.{path}": ClientKind("agentrl", "agentrl-session") for path in ("task.Session", "Session")},
    # lagent used as a library (its package outside the tree): its model classes send a request in ``chat`` /
    # ``stream_chat`` / ``generate``; calling one of its agents (``agent(message)``) runs the agent's model steps, a
    # framework wrapper. Its agent base classes keep what they are handed (``FRAMEWORK_AGENT_BASES``).
    **{
        f"lagent.llms.{mod}{name}": ClientKind("lagent", "lagent-llm", name.startswith("Async"))
        for mod in ("", "openai.", "lmdeploy_wrapper.", "huggingface.", "vllm_wrapper.", "anthropic_llm.")
        for name in (
            *("GPTAPI", "AsyncGPTAPI", "LMDeployClient", "AsyncLMDeployClient", "LMDeployPipeline"),
            *("AsyncLMDeployPipeline", "LMDeployServer", "AsyncLMDeployServer", "HFTransformer"),
            *("HFTransformerCasualLM", "HFTransformerChat", "VllmModel", "AsyncVllmModel", "SensenovaAPI"),
            *("ClaudeAPI", "AsyncClaudeAPI"),
        )
    },
    **{
        f"lagent.agents.{mod}{name}": ClientKind("lagent", "lagent-agent", "Async" in name)
        for mod in ("", "agent.", "react.", "stream.")
        for name in (
            *("Agent", "AsyncAgent", "StreamingAgent", "AsyncStreamingAgent", "AgentForInternLM"),
            *("AsyncAgentForInternLM", "MathCoder", "AsyncMathCoder", "ReAct", "AsyncReAct", "Sequential"),
            *("AsyncSequential", "StreamingSequential", "AsyncStreamingSequential"),
        )
    },
}

# Modules whose import makes their functions reachable as module-level request functions / client modules.
MODULE_CLIENTS: dict[str, ClientKind] = {
    "openai": ClientKind("openai", "openai"),
    "litellm": ClientKind("litellm", "litellm-module"),
    # any-llm's module functions (``any_llm.completion(model="openai:gpt-4o", messages=...)``)
    "any_llm": ClientKind("any-llm", "any-llm"),
    "ollama": ClientKind("ollama", "ollama"),
    "requests": ClientKind("http", "http"),
    "httpx": ClientKind("http", "http"),
    "openai.ChatCompletion": ClientKind("openai-v0", "openai-v0-chat"),
    "dashscope.Generation": ClientKind("dashscope", "dashscope"),
    "dashscope.MultiModalConversation": ClientKind("dashscope", "dashscope"),
    "dashscope.aigc.generation.Generation": ClientKind("dashscope", "dashscope"),
    "dashscope.AioGeneration": ClientKind("dashscope", "dashscope", True),  # the async twins of the two above
    "dashscope.aigc.generation.AioGeneration": ClientKind("dashscope", "dashscope", True),
    "dashscope.AioMultiModalConversation": ClientKind("dashscope", "dashscope", True),
    "mlx_lm": ClientKind("mlx", "mlx-module"),
    "mlx_lm.generate": ClientKind("mlx", "mlx-module"),
    "mlx_vlm": ClientKind("mlx", "mlx-module"),
    "zhipuai.model_api": ClientKind("zhipuai", "zhipuai-v1"),
    "qianfan": ClientKind("qianfan", "qianfan-module"),
    "openai.Completion": ClientKind("openai-v0", "openai-v0-completion"),
    "google.generativeai": ClientKind("google", "palm"),  # PaLM module functions (generate_text, chat)
    "replicate": ClientKind("replicate", "replicate"),
    # pydantic-ai's UI adapters run the agent they are handed on a chat UI's request (its message list):
    # ``await AGUIAdapter.dispatch_request(request, agent=agent)``
    **{
        f"pydantic_ai.ui.{path}": ClientKind("pydantic-ai", "pydantic-ui-adapter")
        for path in ("ag_ui.AGUIAdapter", "vercel_ai.VercelAIAdapter")
    },
    # OpenAI Agents SDK: the ``Runner`` class runs the agent it is handed (``await Runner.run(agent, input)``)
    "agents.Runner": ClientKind("openai-agents", "openai-agents-runner"),
    "agents.run.Runner": ClientKind("openai-agents", "openai-agents-runner"),
    # the Claude Agent SDK's one-shot session (``async for m in query(prompt=..., options=...)``)
    "claude_agent_sdk": ClientKind("claude-agent-sdk", "claude-agent-client", True),
    "claude_code_sdk": ClientKind("claude-agent-sdk", "claude-agent-client", True),
}

# Top-level names of SDK packages that projects also give their own packages (the OpenAI Agents SDK's ``agents``):
# an import of one may mean a module of the tree, so it never short-cuts the search for one.
SHARED_NAME_ROOTS = frozenset({"agents"})

# The generation methods of the ``litellm`` module and of its ``Router``: chat and text completions and the Responses
# API (``litellm.responses(model=..., input=...)``).
_LITELLM_GENERATION = (
    "completion", "acompletion", "text_completion", "atext_completion", "responses", "aresponses",
)  # fmt: skip

# Member paths of a client kind that send a request: path -> api name recorded on the site.
_OPENAI = {
    "chat.completions.create": "chat.completions.create",
    "chat.completions.parse": "chat.completions.parse",
    "chat.completions.stream": "chat.completions.stream",
    "beta.chat.completions.parse": "beta.chat.completions.parse",
    "beta.chat.completions.stream": "beta.chat.completions.stream",
    "responses.create": "responses.create",
    "responses.parse": "responses.parse",
    "responses.stream": "responses.stream",
    # the Responses compaction endpoint: the model writes a compacted summary of the conversation it is given
    "responses.compact": "responses.compact",
    "completions.create": "completions.create",
    # the v0 async spelling left on a v1 client after a half-done migration (``await client.chat.completions.acreate(
    # ...)``): the code means a model request there, whatever the installed SDK then makes of it
    "chat.completions.acreate": "chat.completions.acreate",
    "completions.acreate": "completions.acreate",
    # an instructor-patched client (``instructor.from_openai(OpenAI())`` hands back the client): the structured
    # request that also returns the raw completion, and the streamed partial / iterable forms
    **{
        f"chat.completions.{m}": f"chat.completions.{m}"
        for m in ("create_with_completion", "create_partial", "create_iterable")
    },
    # Assistants API: a run (or a resumed run, given the tool outputs it waits for) is the assistant generating on
    # the thread; creating threads, messages, assistants or files sends nothing to a model
    **{
        f"beta.threads.{p}": f"beta.threads.{p}"
        for p in (
            "runs.create",
            "runs.create_and_poll",
            "runs.stream",
            "runs.submit_tool_outputs",
            "runs.submit_tool_outputs_and_poll",
            "runs.submit_tool_outputs_stream",
            "create_and_run",
            "create_and_run_poll",
            "create_and_run_stream",
        )
    },
}
_LANGCHAIN = {m: m for m in ("invoke", "ainvoke", "batch", "abatch", "stream", "astream", "predict", "apredict")}
REQUEST_PATHS: dict[str, dict[str, str]] = {
    "openai": _OPENAI,
    "anthropic": {
        p: p
        for p in (
            "messages.create",
            "messages.stream",
            "messages.parse",
            # an instructor-patched Anthropic client (``instructor.from_anthropic(Anthropic())``)
            "messages.create_with_completion",
            "messages.create_partial",
            "messages.create_iterable",
            "beta.messages.create",
            "beta.messages.stream",
            "beta.messages.parse",
            "completions.create",
            # Message Batches: one call hands the service many ``messages.create`` parameter sets, each a generation
            "messages.batches.create",
            "beta.messages.batches.create",
            # SDK releases that kept a beta feature under its own namespace before it reached ``messages``
            "beta.prompt_caching.messages.create",
            "beta.prompt_caching.messages.stream",
            "beta.tools.messages.create",
            "beta.tools.messages.stream",
            # the SDK's first releases (``anthropic.Client(api_key).completion(prompt=..., model=...)``)
            "completion",
            "completion_stream",
            "acompletion",
            "acompletion_stream",
        )
    },
    "litellm-module": {p: p for p in _LITELLM_GENERATION},
    "twelvelabs": {
        p: p for p in ("analyze", "analyze_stream", "generate.text", "generate.text_stream", "summarize", "gist")
    },
    # the provider's public methods and the private ones they run (``provider._aresponses(params, **kw)``, called
    # directly to pass transport keywords the public method would reject)
    "any-llm": {
        p: p
        for p in (
            *("completion", "acompletion", "responses", "aresponses"),
            *("_completion", "_acompletion", "_responses", "_aresponses"),
        )
    },
    "mcp-sampling": {"create_message": "create_message"},
    "spice": {p: p for p in ("get_response", "stream_response")},
    # an instructor client's own structured-output requests (reached on a client of unknown provider)
    "instructor": {p: p for p in ("create", "create_with_completion", "create_partial", "create_iterable")},
    # ``build_request`` only builds the HTTP request, ``parse_llm_response`` parses a reply: neither sends
    "baml-runtime": {p: p for p in ("call_function", "call_function_sync", "stream_function", "stream_function_sync")},
    "litellm-router": {p: p for p in _LITELLM_GENERATION},
    "openai-v0-chat": {"create": "ChatCompletion.create", "acreate": "ChatCompletion.acreate"},
    "openai-v0-completion": {"create": "Completion.create", "acreate": "Completion.acreate"},
    "mistral": {
        p: p for p in ("chat.complete", "chat.complete_async", "chat.stream", "chat.stream_async", "fim.complete")
    },
    "mistral-v0": {p: p for p in ("chat", "chat_stream")},
    "cohere": {p: p for p in ("chat", "chat_stream", "generate")},
    "ollama": {p: p for p in ("chat", "generate")},
    "xinference-model": {p: p for p in ("chat", "generate")},  # not ``create_embedding`` / ``rerank`` on the handle
    "genai": {
        p: p
        for p in (
            "models.generate_content",
            "models.generate_content_stream",
            "aio.models.generate_content",
            "aio.models.generate_content_stream",
            # the Interactions API: one turn of a model (``model=``) or a hosted agent (``agent=``); ``get`` polls
            "interactions.create",
            "aio.interactions.create",
        )
    },
    "gemini-model": {p: p for p in ("generate_content", "generate_content_async")},
    "palm": {p: p for p in ("generate_text", "chat", "chat_async")},
    "chat-session": {
        p: p
        for p in (
            *("send_message", "send_message_async", "send_message_stream"),
            *("send_message_streaming", "send_message_streaming_async"),  # Vertex AI's chat sessions
        )
    },
    "vertex-text": {p: p for p in ("predict", "predict_async", "predict_streaming", "predict_streaming_async")},
    "tgi": {p: p for p in ("generate", "generate_stream")},
    # a live session's sends carry turns, tool responses and realtime media to the model; opening it (``connect``)
    # and ``receive`` send no request
    "genai-live": {p: p for p in ("send", "send_client_content", "send_realtime_input", "send_tool_response")},
    "hf-inference": {
        "chat_completion": "chat_completion",
        "text_generation": "text_generation",
        "chat.completions.create": "chat.completions.create",
        "post": "post",
    },
    "hf-pipeline": {"": "pipeline"},
    # remote-code checkpoints (``trust_remote_code=True``) bring their own chat / answer methods beside ``generate``
    # (``model.chat(tokenizer, query, history=history)``, a batch of queries: ``model.batch_chat(tokenizer, images,
    # questions)``)
    "hf-model": {p: p for p in ("generate", "chat", "batch_chat", "stream_chat", "answer_question")},
    "vllm": {p: p for p in ("generate", "chat")},
    "lmdeploy-pipeline": {
        "": "__call__",
        **{p: p for p in ("batch_infer", "stream_infer", "infer", "generate", "chat", "async_batch_infer")},
    },
    "lmdeploy-api": {p: p for p in ("completions_v1", "chat_completions_v1", "chat_interactive_v1")},
    "lmdeploy-chatbot": {p: p for p in ("stream_infer", "_stream_infer", "infer")},
    "llamacpp": {
        "": "__call__",
        "create_chat_completion": "create_chat_completion",
        "create_chat_completion_openai_v1": "create_chat_completion_openai_v1",  # same call, OpenAI v1 types back
        "create_completion": "create_completion",
    },
    "bedrock": {p: p for p in ("converse", "converse_stream", "invoke_model", "invoke_model_with_response_stream")},
    "chat-model": {
        **_LANGCHAIN,
        "": "__call__",
        "predict_messages": "predict_messages",
        "apredict_messages": "apredict_messages",  # the async twin (legacy BaseChatModel API)
        "generate": "generate",
        "agenerate": "agenerate",  # the async twin of generate (BaseChatModel.agenerate([messages]))
        # BaseLanguageModel's prompt-value batch API (``llm.generate_prompt([prompt_value], stop=...)``)
        "generate_prompt": "generate_prompt",
        "agenerate_prompt": "agenerate_prompt",
        # the private hooks the public API runs, reached from a subclass (``super()._generate(...)``); ``_call`` /
        # ``_acall`` are the hooks of the text-in / text-out bases (``SimpleChatModel``, ``LLM``)
        **{m: m for m in ("_generate", "_agenerate", "_stream", "_astream", "_call", "_acall")},
        # the integration's own request methods below them (``ChatAnthropic._create(payload)`` sends the payload it
        # built), reached from a subclass overriding them (``return super()._create(payload)``)
        **{m: m for m in ("_create", "_acreate")},
    },
    # a chain also answers through the legacy ``Chain`` API (``LLMChain(...).run(question=q)``, ``.arun``,
    # ``await chain.acall({...})``, ``chain.apply([...])``), a document chain through ``combine_docs(docs)``
    "chain": {
        **_LANGCHAIN,
        "": "__call__",
        **{m: m for m in ("run", "arun", "acall", "apply", "aapply", "combine_docs", "acombine_docs")},
    },
    "llamaindex": {
        p: p
        for p in (
            "complete",
            "acomplete",
            "chat",
            "achat",
            "stream_complete",
            "stream_chat",
            "astream_complete",
            "astream_chat",
            "predict",
            "apredict",
            "stream",
            "astream",
            "structured_predict",
            "astructured_predict",
            "stream_structured_predict",
            "astream_structured_predict",
            # the tool-calling API of a function-calling LLM (an agent loop's step)
            "chat_with_tools",
            "achat_with_tools",
            "stream_chat_with_tools",
            "astream_chat_with_tools",
            "predict_and_call",
            "apredict_and_call",
            # the private hooks the public API runs, reached from a subclass (``super()._stream_chat(...)``)
            "_chat",
            "_achat",
            "_stream_chat",
            "_astream_chat",
            "_complete",
            "_acomplete",
            "_stream_complete",
            "_astream_complete",
        )
    },
    "http": {p: p for p in ("post", "request", "urlopen", "stream")},  # ``httpx`` ``client.stream("POST", url)``
    "http-client": {"request": "request"},
    "dashscope": {"call": "call", "async_call": "async_call"},
    "dashscope-request": {"call": "call", "aio_call": "aio_call"},  # the SDK's request entity, built by hand
    "qianfan": {"do": "do", "ado": "ado"},
    "mlx-module": {p: p for p in ("generate", "stream_generate")},
    "zhipuai-v1": {p: p for p in ("invoke", "sse_invoke", "async_invoke")},
    "crewai-llm": {"call": "call", "acall": "acall"},
    "oci-genai": {p: p for p in ("chat", "generate_text", "summarize_text")},
    "azure-inference": {"complete": "complete"},
    "replicate": {p: p for p in ("run", "async_run", "stream", "async_stream")},
    "llamaindex-engine": {
        p: p
        for p in (
            *("query", "aquery", "chat", "achat", "stream_chat", "astream_chat"),
            *("_query", "_aquery", "custom_query", "acustom_query"),
        )
    },
    "llamaindex-synth": {p: p for p in ("synthesize", "asynthesize", "get_response", "aget_response")},
    "pandasai-llm": {"call": "call"},
    "reka": {p: p for p in ("chat.create", "chat.create_stream")},
    "xai-chat": {p: p for p in ("sample", "stream")},  # xai_sdk: ``client.chat.create`` builds, these send
    "watsonx": {
        p: p
        for p in (
            *("chat", "achat", "chat_stream", "achat_stream"),
            *("generate", "agenerate", "generate_text", "generate_text_stream"),
        )
    },
    # framework wrappers: the call runs LLM requests the framework makes (reported as wrapper-calls)
    "crew": {
        p: p
        for p in ("kickoff", "kickoff_async", "kickoff_for_each", "kickoff_for_each_async", "train", "test", "replay")
    },
    "crew-task": {p: p for p in ("execute", "execute_sync", "execute_async")},
    "smol-agent": {"run": "run", "": "__call__"},
    # (only ``run``: the framework's own repository keeps its ``run_sync`` convenience a wrapper its examples call)
    "browser-use-agent": {"run": "run"},
    "pydantic-agent": {p: p for p in ("run", "run_sync", "run_stream", "iter")},
    "claude-agent-client": {"query": "query"},
    "agno-agent": {p: p for p in ("run", "arun", "print_response", "aprint_response", "continue_run", "acontinue_run")},
    "maf-agent": {p: p for p in ("run", "run_stream")},
    "adk-runner": {p: p for p in ("run", "run_async", "run_live")},
    "openai-agents-runner": {p: p for p in ("run", "run_sync", "run_streamed")},
    "pydantic-ui-adapter": {"dispatch_request": "dispatch_request"},
    # a realtime model bound to an agent answers a browser's WebRTC offer: the browser's voice conversation starts
    "pydantic-realtime": {"answer_webrtc_offer": "answer_webrtc_offer"},
    # the live session's sends (``interrupt``, ``commit_audio``, reading events or the history send no new turn)
    "pydantic-realtime-session": {p: p for p in ("send", "send_audio")},
    "aider-coder": {p: p for p in ("run", "run_stream", "run_one")},
    "outlines": {"": "__call__", **{p: p for p in ("stream", "batch")}},
    "lmi-llm": {p: p for p in ("call", "call_single", "select_tool", "acompletion", "acompletion_iter", "run_prompt")},
    "aviary-selector": {"": "__call__"},
    "ldp-rollout": {p: p for p in ("sample_trajectories", "evaluate")},
    "agentrl-session": {p: p for p in ("action", "sync_action")},
    "lagent-llm": {p: p for p in ("chat", "stream_chat", "generate", "stream_generate")},
    "lagent-agent": {"": "__call__"},
    "camel-agent": {p: p for p in ("step", "astep")},
    "camel-society": {p: p for p in ("step", "astep")},
    "camel-task-agent": {"run": "run"},
    "camel-workforce": {p: p for p in ("process_task", "process_task_async")},
    "camel-model": {p: p for p in ("run", "arun")},
    "camel-vision": {p: p for p in ("ask_question_about_image", "image_to_text", "ask_question_about_video")},
    "dspy-predict": {p or "": p or "__call__" for p in ("", "forward", "acall", "aforward")},
    "dspy-lm": {p or "": p or "__call__" for p in ("", "forward", "acall", "aforward")},
}

# Client kinds whose "requests" are calls of a framework's own wrapper (crewAI ``Crew.kickoff``).
_CAMEL_KINDS = ("agent", "task-agent", "society", "workforce", "model", "vision")
FRAMEWORK_WRAPPER_KINDS = frozenset(
    {
        "crew",
        "crew-task",
        "smol-agent",
        "browser-use-agent",
        "pydantic-agent",
        "claude-agent-client",
        "agno-agent",
        "maf-agent",
        "adk-runner",
        "openai-agents-runner",
        "pydantic-ui-adapter",
        "pydantic-realtime",
        "pydantic-realtime-session",
        "dspy-predict",
        "aider-coder",
        "lagent-agent",
        "ldp-rollout",
        "agentrl-session",
        *(f"camel-{k}" for k in _CAMEL_KINDS),
    }
)
# Framework wrappers handed the user's message as an argument: its keyword names (else the first positional).
FRAMEWORK_MESSAGE_ARGS = {
    "aider-coder": ("with_message", "user_message"),
    "smol-agent": ("task",),
    "pydantic-agent": ("user_prompt",),
    "claude-agent-client": ("prompt",),
    "agno-agent": ("input", "message"),
    "maf-agent": ("messages",),
    "adk-runner": ("new_message",),
    "openai-agents-runner": ("input",),
    "pydantic-ui-adapter": ("request",),
    "camel-agent": ("input_message",),
    "camel-society": ("assistant_msg",),
    "camel-workforce": ("task",),
}
# Framework wrappers whose prompt is declared on the object they are called on (a DSPy Signature: docstring and
# fields): the call's arguments fill the declared fields, so no caller forwards a prompt through such a call.
# Framework wrappers called on a runner class whose first positional is the agent to run (``Runner.run(agent,
# input)``): the message is the positional after it.
FRAMEWORK_MESSAGE_AFTER_AGENT = frozenset({"openai-agents-runner"})
# Framework wrappers handed the agent they run by keyword (``dispatch_request(request, agent=agent)``).
FRAMEWORK_AGENT_KEYWORD = {"pydantic-ui-adapter": "agent"}
# Framework wrappers whose message is a chat UI's request: the conversation the UI holds, spliced in whole.
FRAMEWORK_CHAT_REQUEST = frozenset({"pydantic-ui-adapter"})
# The keyword under which a framework run is handed the conversation so far (pydantic-ai ``message_history=``).
FRAMEWORK_HISTORY_ARGS = {"pydantic-agent": "message_history"}
DECLARED_PROMPT_KINDS = frozenset({"dspy-predict"})
# Language-model base classes of a framework whose predictors call a method of every LM they are configured with:
# a subclass's ``__call__`` / ``forward`` is a calling API although no code of the tree calls it (``dspy.LM``,
# the legacy ``dspy.OpenAI`` / ``dspy.HFModel`` / ``dspy.dsp.modules.lm.LM`` families).
FRAMEWORK_LM_BASES = lazy(
    r"^dspy\.(?:\w+\.)*(?:LM|BaseLM|GPT3|OpenAI|AzureOpenAI|HFModel|HFClientTGI|HFClientVLLM|OllamaLocal|Together"
    r"|Anthropic|Claude|Google|GoogleVertexAI|Cohere|Databricks|Mistral|Bedrock|AWSModel)$"
)
FRAMEWORK_LM_ENTRIES = frozenset({"__call__", "forward", "aforward"})
# A framework base class whose public entry points run a hook its subclasses implement: LangChain's legacy ``Chain``
# (``chain.run(...)``, ``chain(inputs)``, ``await chain.acall(...)``, ``chain.invoke(...)`` run the subclass's
# ``_call`` / ``_acall``). A call of such an entry point on an instance of a class of the tree deriving from the base
# (which does not define the entry point itself) is a call of its hook.
FRAMEWORK_HOOK_BASES = lazy(r"^langchain(?:_classic)?\.chains(?:\.base)?\.Chain$")
FRAMEWORK_HOOK_ENTRIES: dict[str, tuple[str, ...]] = {
    **{m: ("_call",) for m in ("__call__", "run", "invoke", "apply", "batch")},
    # the async entry points run ``_acall``; the base's default ``_acall`` runs ``_call`` in an executor
    **{m: ("_acall", "_call") for m in ("acall", "arun", "ainvoke", "aapply", "abatch")},
}
# Their inherited transport methods: ``self.request(prompt)`` in a subclass that does not define it sends the request.
FRAMEWORK_LM_TRANSPORTS = frozenset({"request", "basic_request"})
# DSPy Signature fields: class-level ``name = dspy.InputField(prefix=..., desc=...)`` / ``dspy.OutputField(...)``.
SIGNATURE_FIELDS = {"InputField": "input", "OutputField": "output"}
# Constructors that declare a framework task: the framework turns the object into LLM calls (crewAI ``Task(...)``).
FRAMEWORK_TASKS = frozenset({"crewai.Task", "crewai.task.Task"})
# Agent classes of the agent SDKs that a team, a parent agent or a serving app runs when handed one (a team's
# ``members=[...]``, ADK ``sub_agents=[...]``, ``AgentOS(agents=[...])``), or that the SDK's CLI runs by convention
# (an ADK ``root_agent`` at module level): family by qualified name.
SERVED_AGENTS = {
    **{
        f"{pkg}.{path}": "agno"
        for pkg, paths in (
            ("agno", ("agent.Agent", "agent.agent.Agent", "team.Team", "team.team.Team")),
            ("phi", ("agent.Agent", "agent.agent.Agent")),
        )
        for path in paths
    },
    # the OpenAI Agents SDK: an agent handed over to (``handoffs=[agent]``, ``handoff(agent)``) or run as a tool
    # (``agent.as_tool(...)``) by another agent
    **{f"agents.{path}": "openai-agents" for path in ("Agent", "agent.Agent")},
    **{
        f"google.adk.{path}": "adk"
        for path in ("Agent", "agents.Agent", "agents.LlmAgent", "agents.llm_agent.LlmAgent", "agents.llm_agent.Agent")
    },
}
# LangChain agent middleware hooks whose ``handler`` parameter runs the agent's model call on the request it is
# handed (``await handler(request)``); the tool-call hooks' handler runs a tool.
MODEL_CALL_HOOKS = frozenset({"wrap_model_call", "awrap_model_call"})
# The keywords under which such an agent is handed to what runs it.
SERVED_AGENT_KEYWORDS = frozenset({"members", "team", "sub_agents", "agents", "handoffs"})
# Calls that hand an agent to another agent: ``handoff(agent, ...)`` (its first argument) and ``agent.as_tool(...)``.
HANDOFF_FUNCTIONS = frozenset({"handoff"})
AGENT_AS_TOOL = frozenset({"as_tool"})
# The module-level name the ADK command line (``adk web`` / ``adk run``) runs.
ADK_ROOT_AGENT = "root_agent"

# Member paths that return another LLM object: (kind, path) -> new kind. Same kind keeps model/options.
FACTORY_PATHS: dict[tuple[str, str], str] = {
    ("genai", "chats.create"): "chat-session",
    ("genai", "aio.chats.create"): "chat-session",
    ("genai", "aio.live.connect"): "genai-live",
    ("pydantic-agent", "realtime"): "pydantic-realtime",
    ("pydantic-realtime", "session"): "pydantic-realtime-session",
    ("gemini-model", "start_chat"): "chat-session",
    ("vertex-chat", "start_chat"): "chat-session",
    # a LangChain prompt template filled (partly, or into its messages): still that template's text
    ("prompt", "partial"): "prompt",
    ("prompt", "partial_format"): "prompt",  # LlamaIndex's ``PromptTemplate.partial_format(examples=...)``
    ("prompt", "format_messages"): "prompt",
    ("prompt", "format_prompt"): "prompt",
    ("chat-model", "with_structured_output"): "chat-model",
    ("chat-model", "bind_tools"): "chat-model",
    ("chat-model", "bind"): "chat-model",
    ("chat-model", "with_retry"): "chat-model",
    ("chat-model", "with_config"): "chat-model",
    ("chat-model", "with_fallbacks"): "chat-model",
    ("chain", "with_retry"): "chain",
    ("chain", "with_config"): "chain",
    ("chain", "with_fallbacks"): "chain",  # ``(llm | check).with_retry().with_fallbacks([...])``: still that chain
    ("openai", "with_options"): "openai",
    ("openai", "copy"): "openai",
    ("anthropic", "with_options"): "anthropic",
    ("anthropic", "copy"): "anthropic",
    ("boto3-session", "client"): "boto3-client",
    ("llamacpp", "from_pretrained"): "llamacpp",
    ("xinference-client", "get_model"): "xinference-model",
    ("crew", "copy"): "crew",
    ("lmi-llm", "get_router"): "litellm-router",
    ("qianfan-module", "ChatCompletion"): "qianfan",
    ("qianfan-module", "Completion"): "qianfan",
    ("xai", "chat.create"): "xai-chat",
    ("llamaindex-index", "as_query_engine"): "llamaindex-engine",
    ("llamaindex-index", "as_chat_engine"): "llamaindex-engine",
    ("palm", "GenerativeModel"): "gemini-model",  # the google.generativeai module held as a value
    ("palm", "generative_models.GenerativeModel"): "gemini-model",
    # torch ``nn.Module`` methods that return the module itself: ``from_pretrained(...).to(device).eval()``
    **{
        ("hf-model", m): "hf-model"
        for m in ("to", "cuda", "cpu", "eval", "half", "float", "bfloat16", "requires_grad_")
    },
}

# Attributes in which a framework object keeps another model object (no call reads them: ``self.llm.chat(...)`` in a
# subclass of a lagent agent, whose base keeps the model it was handed there): (kind, path) -> the kind of what is kept.
KEPT_MEMBERS: dict[tuple[str, str], str] = {
    ("lagent-agent", "llm"): "lagent-llm",
    ("lagent-agent", "agent"): "lagent-agent",  # a tool-loop agent's (``AgentForInternLM``, ``ReAct``) inner agent
}

# Path segments that are transparent (same request, different return shape).
TRANSPARENT_SEGMENTS = frozenset({"with_raw_response", "with_streaming_response"})

# APIs whose name says the answer streams.
STREAMING_APIS = frozenset(
    {
        "messages.stream",
        "beta.messages.stream",
        "beta.prompt_caching.messages.stream",
        "beta.tools.messages.stream",
        "chat.completions.stream",
        "beta.chat.completions.stream",
        "responses.stream",
        "stream_response",
        "stream",
        "astream",
        "stream_complete",
        "stream_chat",
        "astream_complete",
        "astream_chat",
        "chat_stream",
        "chat.stream",
        "chat.stream_async",
        "converse_stream",
        "invoke_model_with_response_stream",
        "models.generate_content_stream",
        "aio.models.generate_content_stream",
        "send_message_stream",
    }
)

# Qualified names of functions that return a client for some arguments (checked in evaluate.py).
BOTO3_CLIENT = frozenset({"boto3.client", "boto3.session.Session.client"})
HF_PIPELINE = frozenset({"transformers.pipeline"})
HF_TEXT_TASKS = frozenset(
    {"text-generation", "text2text-generation", "summarization", "translation", "conversational", "image-text-to-text"}
)
# Models that make no text (CALLSITES.md: image generation, speech, embeddings are not counted) though they are
# reached through a text-generation API (``client.models.generate_content(model="gemini-2.5-flash-image", ...)``).
NON_TEXT_MODEL = lazy(
    r"imagen|dall-?e|gpt-image|stable-diffusion|sdxl|(?:^|[-_/.])image(?:[-_.]|$)|image-generation|"
    r"(?:^|[-_/.])tts(?:[-_.]|$)|whisper|embed",
    re.IGNORECASE,
)

HF_GENERATIVE_MODEL = lazy(
    r"^transformers\.(AutoModelFor(CausalLM|Seq2SeqLM|VisionText2Text)|\w+For(CausalLM|ConditionalGeneration))\.from_pretrained$"
    # optimum's exported-model classes keep the transformers API (OpenVINO, ONNX Runtime, IPEX, ...)
    r"|^optimum(\.\w+)*\.\w*ModelFor(CausalLM|Seq2SeqLM|VisualCausalLM)\.from_pretrained$"
)

# The generic auto class: a generative model only when the checkpoint's own code is trusted (it brings ``chat``);
# otherwise mostly encoders used for embeddings.
HF_REMOTE_CODE_MODEL = frozenset({"transformers.AutoModel.from_pretrained"})
# The step a hand-rolled sampling loop shares with ``generate``: a forward call of the model in a function that
# prepares its inputs this way is one decoding step of a generation (scoring and embedding calls do not).
HF_DECODING_STEP = "prepare_inputs_for_generation"

# Decorator factories and wrappers that return the function they wrap (retries, caching).
DECORATORS = frozenset(
    {
        "tenacity.retry",
        "backoff.on_exception",
        "backoff.on_predicate",
        "retry.retry",
        "retrying.retry",
        "functools.lru_cache",
        "functools.cache",
        "functools.wraps",
        "langsmith.traceable",
        "weave.op",
        "openai._utils.required_args",
        # structured-output patchers hand back the SDK method or client they were given, same request surface
        # (``instructor.patch(create=client.messages.create)``, ``instructor.from_openai(AsyncOpenAI(...))``)
        "instructor.patch",
        "instructor.apatch",
        "instructor.from_openai",
        "instructor.from_anthropic",
    }
)
# Structured-output wrappers that build an OpenAI-shaped client (``.chat.completions.create``) over something else:
# qualified name -> the family the requests go to (``instructor.from_litellm(litellm.acompletion)``).
OPENAI_SHAPED: dict[str, str] = {"instructor.from_litellm": "litellm", "instructor.from_provider": "openai"}
PARTIAL = frozenset({"functools.partial"})
# Calls that run a function given as an argument: method or qualified name -> index of the function argument.
RUNS_ARGUMENT_BY_NAME: dict[str, int] = {
    "to_thread": 0,
    "run_sync": 0,
    "run_in_executor": 1,
    "submit": 0,
    "call_soon_threadsafe": 0,
    # a streaming HTTP response built over a LangChain chain runs that chain when it is served
    # (lanarky ``StreamingResponse.from_chain(chain, inputs)``)
    "from_chain": 0,
    # a prompt-template library's parallel map: the function (a chain's ``ainvoke``) runs once per input
    # (ChainLite ``run_async_in_parallel(chain.ainvoke, inputs, max_concurrency=...)``)
    "run_async_in_parallel": 0,
}

# Constructors that run a function given by keyword: qualified name -> keyword.
RUNS_ARGUMENT_BY_KEYWORD: dict[str, str] = {"threading.Thread": "target", "multiprocessing.Process": "target"}

# LangChain / LlamaIndex: classes that are LLMs by naming convention.
LANGCHAIN_LLM_NAMES = frozenset(
    {
        "OpenAI",
        "AzureOpenAI",
        "Ollama",
        "HuggingFaceEndpoint",
        "HuggingFacePipeline",
        "VLLM",
        "VLLMOpenAI",
        "Anthropic",
        "VertexAI",
        "Cohere",
        "BedrockLLM",
        "LlamaCpp",
        "Together",
    }
)
LANGCHAIN_CHAIN_BUILDERS = frozenset(
    {
        "langgraph.prebuilt.create_react_agent",
        "langchain.agents.create_agent",
        "langchain.agents.AgentExecutor",
        "langchain.chains.LLMChain",
        "langchain.chains.ConversationChain",
        "langchain.chains.RetrievalQA.from_chain_type",
    }
)
# Prompt-template libraries that build a LangChain runnable (prompt | model) from a template file named by its
# argument (ChainLite ``llm_generation_chain("query.prompt", engine=...)``, the file found through the library's
# prompt folders): qualified name -> (family, the keyword naming the template file, else the first positional, the
# keyword naming the model). The runnable's ``invoke`` / ``ainvoke`` / ``abatch`` sends the request.
TEMPLATE_FILE_CHAINS: dict[str, tuple[str, str, str]] = {
    f"chainlite.{path}llm_generation_chain": ("chainlite", "template_file", "engine") for path in ("", "llm_generate.")
}
LANGCHAIN_PROMPTS = frozenset(
    {
        "langchain_core.prompts.ChatPromptTemplate.from_messages",
        "langchain_core.prompts.ChatPromptTemplate.from_template",
        "langchain_core.prompts.PromptTemplate.from_template",
        "langchain_core.prompts.PromptTemplate",
        "langchain.prompts.ChatPromptTemplate.from_messages",
        "langchain.prompts.ChatPromptTemplate.from_template",
        "langchain.prompts.PromptTemplate.from_template",
        "langchain.prompts.PromptTemplate",
    }
)

# The last two components of those names: LangChain re-exports its classes from several modules over its versions
# (``from langchain import LLMChain, PromptTemplate``, ``langchain.chains.llm.LLMChain``,
# ``langchain.prompts.chat.ChatPromptTemplate``), so a LangChain name ending the same way is the same class.
_CHAIN_BUILDER_TAILS = frozenset(
    {
        "LLMChain",
        "ConversationChain",
        # document chains run the LLM chain they are handed over each document, then over the combined answers
        "StuffDocumentsChain",
        "MapReduceDocumentsChain",
        "ReduceDocumentsChain",
        "RefineDocumentsChain",
        "MapRerankDocumentsChain",
        "load_summarize_chain",
        "load_qa_chain",
        # ``SQLDatabaseChain.from_llm(llm, db)``, ``RetrievalQA.from_llm(llm)``: a chain class built around a model
        "from_llm",
    }
)
_PROMPT_TAILS = frozenset(
    {
        ("ChatPromptTemplate", "from_messages"),
        ("ChatPromptTemplate", "from_template"),
        ("PromptTemplate", "from_template"),
        ("", "PromptTemplate"),
        # the constructor itself over its message templates (``ChatPromptTemplate(input_variables=[...],
        # messages=[SystemMessagePromptTemplate.from_template(...), ...])``, LangChain's older form)
        ("", "ChatPromptTemplate"),
    }
)


def _langchain_name(qname: str) -> bool:
    return qname.split(".", 1)[0] in (
        "langchain",
        "langchain_core",
        "langchain_classic",
        "langchain_community",
        "langchain_experimental",
    )


# LangChain's agent and chain constructors by their naming convention (``initialize_agent(tools, llm=...)``,
# ``create_pandas_dataframe_agent(llm, df)``, ``create_sql_query_chain(llm, db)``, ``load_qa_chain(llm)``): what they
# build answers through the model it is handed (the caller still has to hand one: see ``Evaluator.ref_call``)
_AGENT_BUILDER = lazy(r"^(?:initialize_agent|(?:create|load|get)_\w*(?:agent|chain)|\w+Chain|AgentExecutor)$")


def langchain_chain_builder(qname: str) -> bool:
    """Whether ``qname`` builds a LangChain chain from an LLM (and a prompt): a listed builder, or an ``LLMChain`` /
    ``ConversationChain`` (or another agent / chain constructor by LangChain's naming) under any of its module
    paths."""
    if qname in LANGCHAIN_CHAIN_BUILDERS:
        return True
    if not _langchain_name(qname):
        return False
    tail = qname.rsplit(".", 1)[-1]
    return tail in _CHAIN_BUILDER_TAILS or bool(_AGENT_BUILDER.match(tail)) or _agent_executor_factory(qname)


def _agent_executor_factory(qname: str) -> bool:
    """``AgentExecutor.from_agent_and_tools(agent, tools)``: the executor class's constructor by another name."""
    parts = qname.rsplit(".", 2)
    return len(parts) == 3 and parts[1].endswith("AgentExecutor") and parts[2] == "from_agent_and_tools"


def langchain_agent_builder(qname: str) -> bool:
    """Whether ``qname`` builds a LangChain / LangGraph agent around a model (``create_agent``,
    ``create_react_agent``, ``create_tool_calling_agent``): an agent builder of ``langchain_chain_builder``'s."""
    if not (langchain_chain_builder(qname) or qname.split(".", 1)[0] == "langgraph"):
        return False
    tail = qname.rsplit(".", 1)[-1]
    return tail.startswith("create_") and tail.endswith("agent")


def langchain_agent_loop(qname: str) -> bool:
    """Whether ``qname`` builds a LangChain agent whose run is its loop over tools (``initialize_agent(tools, llm)``,
    ``create_*_agent(llm, ...)``, ``AgentExecutor(agent=..., tools=...)`` and ``AgentExecutor.from_agent_and_tools``),
    not a chain whose run is one model call on its prompt."""
    if not langchain_chain_builder(qname):
        return False
    tail = qname.rsplit(".", 1)[-1]
    return (
        langchain_agent_builder(qname)
        or tail in ("initialize_agent", "AgentExecutor")
        or _agent_executor_factory(qname)
    )


# LlamaIndex's prompt templates: ``PromptTemplate("...{query}...")`` and ``ChatPromptTemplate(message_templates=[
# ChatMessage(content=..., role=MessageRole.SYSTEM), ...])`` (or ``.from_messages``), filled by ``format`` /
# ``format_messages`` like LangChain's
_LLAMAINDEX_PROMPT = lazy(
    r"^llama_index(?:\.core)?(?:\.prompts(?:\.\w+)*)?\.(?:Chat)?PromptTemplate(?:\.from_messages)?$"
)


def langchain_prompt(qname: str) -> bool:
    """Whether ``qname`` builds a LangChain prompt template: a listed constructor, or the same class and method under
    another of LangChain's module paths (a ``HumanMessagePromptTemplate`` is one message of a prompt, not one); or
    one of LlamaIndex's prompt templates, which are built and filled the same way."""
    if qname in LANGCHAIN_PROMPTS or _LLAMAINDEX_PROMPT.match(qname):
        return True
    if not _langchain_name(qname):
        return False
    parts = qname.split(".")
    if len(parts) < 2:  # the package itself called (``langchain()``): no class of it
        return False
    return (parts[-2], parts[-1]) in _PROMPT_TAILS or ("", parts[-1]) in _PROMPT_TAILS


def langchain_kind(qname: str) -> str | None:
    """``chat-model`` for a LangChain LLM class (``langchain_*`` module, name Chat* / *LLM / known), else None."""
    if not qname.startswith(("langchain", "langchain_")):
        return None
    name = qname.rsplit(".", 1)[-1]
    if "Embedding" in name or "Prompt" in name:
        return None
    if name.startswith(("Chat", "AzureChat")) or name.endswith("LLM") or name in LANGCHAIN_LLM_NAMES:
        return "chat-model"
    # a class of LangChain's model packages (``langchain.llms.replicate.Replicate``,
    # ``langchain_community.chat_models.ollama.ChatOllama``): the package says it is a model
    if name[:1].isupper() and any(p in ("llms", "chat_models") for p in qname.split(".")[1:-1]):
        return "chat-model"
    if name in ("BaseChatModel", "BaseLanguageModel", "SimpleChatModel", "LanguageModelLike"):  # annotation types
        return "chat-model"
    if qname.endswith("init_chat_model"):
        return "chat-model"
    return None


_LLAMAINDEX_BASES = ("llama_index.core.llms.", "llama_index.core.base.llms.", "llama_index.core.llms.llm.")
# The provider packages of LlamaIndex's LLMs and of its vision-language LLMs (``llama_index.multi_modal_llms.openai.
# OpenAIMultiModal``, ``...anthropic.AnthropicMultiModal``): both answer ``complete`` / ``chat`` (with images) alike
_LLAMAINDEX_LLM_PACKAGES = (
    "llama_index.llms.",
    "llama_index.multi_modal_llms.",
    "llama_index.legacy.multi_modal_llms.",
)
_LLAMAINDEX_MM_BASES = ("llama_index.core.multi_modal_llms.", "llama_index.multi_modal_llms.")
_LLAMAINDEX_INDEX = lazy(r"^llama_index(?:\.core)?(?:\.indices(?:\.\w+)*)?\.\w+Index(?:\.from_\w+)?$")
# A query or chat engine built directly (``RetrieverQueryEngine(retriever=..., response_synthesizer=...)``,
# ``RetrieverQueryEngine.from_args(retriever, llm=...)``, ``CondensePlusContextChatEngine.from_defaults(...)``): its
# ``query`` / ``chat`` answer with the LLM it holds, as an index's ``as_query_engine()`` does
_LLAMAINDEX_ENGINE = lazy(
    r"^llama_index(?:\.core)?\.(?:query_engine|chat_engine)(?:\.\w+)*\.\w*(?:QueryEngine|ChatEngine)(?:\.from_\w+)?$"
)


# LlamaIndex's bases for a project's own LLM adapter (``class CachedLLM(MockLLM)`` / ``(CustomLLM)`` overriding
# ``complete``): no model when built as they are (a mock answers canned text), the model API of a class deriving them
_LLAMAINDEX_ADAPTER_BASES = lazy(r"^llama_index\.core\.(?:base\.)?llms(?:\.\w+)*\.(?:CustomLLM|MockLLM)$")


def llamaindex_adapter_base(qname: str) -> bool:
    """Whether ``qname`` is a LlamaIndex base class a project derives its own LLM adapter from."""
    return _LLAMAINDEX_ADAPTER_BASES.match(qname) is not None


def llamaindex_kind(qname: str) -> str | None:
    """``llamaindex`` for a LlamaIndex LLM class; ``llamaindex-index`` for an index (built from documents or a vector
    store: embeddings, no model request), whose query / chat engines answer with the LLM."""
    if qname.startswith(_LLAMAINDEX_LLM_PACKAGES) and "Embedding" not in qname:
        return "llamaindex"
    if qname.startswith(_LLAMAINDEX_BASES) and qname.rsplit(".", 1)[-1] in ("LLM", "BaseLLM", "FunctionCallingLLM"):
        return "llamaindex"  # the base types, in annotations (``llm: BaseLLM``)
    if qname.startswith(_LLAMAINDEX_MM_BASES) and qname.rsplit(".", 1)[-1] == "MultiModalLLM":
        return "llamaindex"  # the vision-language base type (``mm_llm: MultiModalLLM``): ``complete(prompt, image_documents=...)``
    if _LLAMAINDEX_INDEX.match(qname):
        return "llamaindex-index"
    if _LLAMAINDEX_ENGINE.match(qname) and not qname.rsplit(".", 1)[-1].startswith(("Base", "Custom")):
        return "llamaindex-engine"
    return None


# Raw HTTP: URL fragments that mark an LLM endpoint.
# FastChat's model worker serves ``/worker_generate_stream`` and ``/worker_generate`` (its controller hands out workers).
LLM_URL_MARKERS = (
    "/chat/completions", "/completions", "/v1/messages", "/generate", "/api/chat", "/api/generate", "/worker_generate"
)  # fmt: skip
# The same endpoints under other spellings: a served model's or agent's ``/chat_completion`` /
# ``/inference/chat-completion`` route, a llama.cpp-style server's ``/completion``.
_LLM_URL_SPELLINGS = lazy(r"/(?:chat[_-])?completions?(?![\w-])")
# URL endings that mark one too, tested at the end of the path only (a word common inside other URLs): OpenAI's
# Responses API (``/v1/responses``) and the services that copy it.
LLM_URL_ENDINGS = ("/responses",)


# A marker followed by a dot and a word names a web API's dotted method (Slack's ``/api/chat.postMessage``), not
# the model route it spells the start of.
_DOTTED_METHOD = lazy(r"\.[A-Za-z]")


def marks_llm_url(text: str) -> bool:
    """Whether a marker of an LLM endpoint stands in the URL's text (not as the head of a dotted method name)."""
    for m in LLM_URL_MARKERS:
        start = text.find(m)
        while start >= 0:
            if not _DOTTED_METHOD.match(text, start + len(m)):
                return True
            start = text.find(m, start + 1)
    return False


def llm_url(text: str) -> bool:
    """Whether the static text of a URL names a model endpoint: a marker or another spelling of one anywhere (not
    the head of a dotted method name), or an ending at the end of its path (query and trailing slash left out)."""
    if marks_llm_url(text) or _LLM_URL_SPELLINGS.search(text) is not None:
        return True
    path = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.endswith(LLM_URL_ENDINGS)


# URL path segments of OpenAI-style routes that generate no text (images, audio, video, embeddings, moderation):
# a POST there is a look-alike however much its body looks like a prompt (``{"prompt": ..., "model": ...}``).
_NON_TEXT_URL = lazy(
    r"/(?:images?|audio|videos?|embeddings?|moderations?|speech|tts|transcriptions?|rerank)(?:[/?#]|$)"
)


def non_text_url(text: str) -> bool:
    """Whether the static text of a URL names a media / embedding / moderation route and no model endpoint."""
    return not llm_url(text) and _NON_TEXT_URL.search(text) is not None


HTTP_FUNCTIONS = frozenset(
    {"requests.post", "requests.request", "httpx.post", "httpx.request", "urllib.request.urlopen", "urllib2.urlopen"}
)
# Request objects handed to ``urlopen``: their arguments are the request's URL and body.
HTTP_REQUEST_OBJECTS = frozenset({"urllib.request.Request", "urllib2.Request"})

# Cheap text pre-filter: a file is analysed only when it mentions one of these (or a name exported by another file):
# anywhere in the text, or (the short, common words) as a whole word.
PREFILTER_TEXTS = (
    "openai", "anthropic", "litellm", "langchain", "langgraph", "llama_index", "transformers", "vllm", "llama_cpp",
    "bedrock", "genai", "generativeai", "vertexai", "ollama", "cohere", "mistral", "groq", "huggingface_hub",
    "/completion", "/chat_completion", "/chat-completion", "/v1/messages", "/generate", "/api/chat", "/responses",
    "/worker_generate",
    "crewai", "dashscope", "qianfan", "zhipuai", "sparkai", "volcengine", "mlx_lm", "mlx_vlm", "http.client",
    "HTTPSConnection", "smolagents", "urlopen", "xai_sdk", "watsonx", "dspy", "lmdeploy", "aider.coders",
    "generative_ai_inference", "azure.ai.inference", ".create_message(", "baml_py", "camel.agents", "camel.societies",
    "camel.models", "camel.toolkits", "pydantic_ai", "agno", "lagent.", "from lagent", "import lagent", "phi.agent", "google.adk", "from agents import", "agent_framework",
    "import outlines", "from outlines", "xinference", ".converse(", "any_llm", "twelvelabs",
    "from lmi", "import lmi", "llmclient", "from aviary", "import aviary", "from ldp", "import ldp", "agentrl",
    "from spice", "import spice", "chainlite", "browser_use",
    "claude_agent_sdk", "claude_code_sdk",
)  # fmt: skip
PREFILTER_WORDS = ("zai", "replicate", "reka")
_WHOLE_WORDS = lazy("|".join(rf"\b{re.escape(w)}\b" for w in PREFILTER_WORDS))
# The same test as one regex (``prefilter`` is the fast form).
PREFILTER = lazy("|".join([*map(re.escape, PREFILTER_TEXTS), *(rf"\b{re.escape(w)}\b" for w in PREFILTER_WORDS)]))


def prefilter(text: str) -> bool:
    """Whether the pre-filter picks ``text``, as ``PREFILTER.search`` would: substring tests run at C speed, where the
    regex alternation is tried at every position of the text (the first round reads every file of the tree)."""
    if any(t in text for t in PREFILTER_TEXTS):
        return True
    return any(w in text for w in PREFILTER_WORDS) and _WHOLE_WORDS.search(text) is not None


# Member paths distinctive enough to mark a request on a client of unknown type (a duck-typed client passed in as a
# parameter, ``client.models.generate_content(...)``): path -> (family, kind). Look-alikes (embeddings, images, audio,
# moderations) have other paths.
DUCK_PATHS: dict[str, tuple[str, str]] = {
    "chat.completions.create": ("openai", "openai"),
    "beta.chat.completions.parse": ("openai", "openai"),
    "responses.create": ("openai", "openai"),
    # an Assistants API run on a thread (``self.client.beta.threads.runs.create(thread_id=..., assistant_id=...)``):
    # only OpenAI's client spells these paths
    **{f"beta.threads.{p}": ("openai", "openai") for p in ("runs.create", "runs.create_and_poll", "runs.stream")},
    **{
        f"beta.threads.runs.{p}": ("openai", "openai")
        for p in ("submit_tool_outputs", "submit_tool_outputs_and_poll", "submit_tool_outputs_stream")
    },
    "models.generate_content": ("google", "genai"),
    "models.generate_content_stream": ("google", "genai"),
    "aio.models.generate_content": ("google", "genai"),
    # Bedrock runtime's Converse API on a boto3 client handed in from outside (``self.client.converse(**params)``)
    "converse": ("bedrock", "bedrock"),
    "converse_stream": ("bedrock", "bedrock"),
}
# Member paths too common to mark a request by themselves, marking one on a client of unknown type when the call
# also passes the keywords that family's request requires: Anthropic's ``messages.create`` takes both ``messages`` and
# ``max_tokens`` (an Assistants thread's ``beta.threads.messages.create(thread_id=..., role=..., content=...)`` neither).
DUCK_KEYWORD_PATHS: dict[str, tuple[str, str, frozenset[str]]] = {
    **{
        p: ("anthropic", "anthropic", frozenset({"messages", "max_tokens"}))
        for p in ("messages.create", "messages.stream", "messages.parse")
    },
    # Bedrock runtime's invoke API on a boto3 client handed in from outside (``self.client.invoke_model(modelId=m,
    # body=body)``): the model id and the body are what boto3 requires there (SageMaker's ``invoke_endpoint`` names
    # neither); an embedding model behind it stays a look-alike (sites.py)
    **{
        p: ("bedrock", "bedrock", frozenset({"modelId", "body"}))
        for p in ("invoke_model", "invoke_model_with_response_stream")
    },
    # MCP sampling: a server asks the host's model for a completion through its session (``ctx.session.create_message(
    # messages=[...], max_tokens=n)``); the session arrives from the protocol layer, never built in sight
    "create_message": ("mcp", "mcp-sampling", frozenset({"messages", "max_tokens"})),
    # a TwelveLabs client handed in from outside (``ctx.deps.client.analyze(model_name="pegasus1.2", video=...,
    # prompt=...)``): a video-language model answering the prompt
    **{p: ("twelvelabs", "twelvelabs", frozenset({"model_name", "prompt"})) for p in ("analyze", "analyze_stream")},
    # an instructor client built out of sight from any provider (``instructor.from_gemini(...)`` handed in): its bare
    # structured-output request methods, given the messages and the model the answer must fit
    **{
        p: ("instructor", "instructor", frozenset({"messages", "response_model"}))
        for p in ("create", "create_with_completion", "create_partial", "create_iterable")
    },
}

# Keywords only a local text-generation engine's ``generate`` takes (transformers, LLaVA-style models): a
# ``model.generate(...)`` given one of them on a model of unknown type is a local engine request.
LOCAL_GENERATE_KEYWORDS = frozenset({"max_new_tokens", "do_sample"})
